package dev.iolite.client.models;

import com.azure.core.util.ExpandableStringEnum;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Collection;

/** How the service authenticates to blob storage. Values the client does not know are kept as they were sent. */
public final class AuthenticationType extends ExpandableStringEnum<AuthenticationType> {
    /** With the SAS carried in the container URI. */
    public static final AuthenticationType KEY_BASED = fromString("keyBased");
    /** With an identity the service holds (a managed identity on Azure, a configured account key on Iolite). */
    public static final AuthenticationType IDENTITY_BASED = fromString("identityBased");

    /**
     * Creates an instance; use {@link #fromString} instead.
     *
     * @deprecated only for the enum machinery of azure-core
     */
    @Deprecated
    public AuthenticationType() {}

    /**
     * The job type for a wire value, matched without regard to case.
     *
     * @param name the value as sent, may be null
     * @return the known type of that name, or a new type carrying the value; null for null
     */
    @JsonCreator
    public static AuthenticationType fromString(String name) {
        return name == null ? null : fromString(Values.canonical(name, values(AuthenticationType.class)), AuthenticationType.class);
    }

    /** @return the known authentication types */
    public static Collection<AuthenticationType> values() { return values(AuthenticationType.class); }

    /** @return the wire value */
    @JsonValue
    @Override
    public String toString() { return super.toString(); }
}
