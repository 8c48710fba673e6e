package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/** The managed identity a hub uses to reach blob storage (identity-based authentication). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class ManagedIdentity {
    @JsonProperty("userAssignedIdentity")
    private String userAssignedIdentity;

    /** Creates an empty instance. */
    public ManagedIdentity() {}

    /** @return the resource id of a user-assigned identity; null for the system-assigned one */
    public String getUserAssignedIdentity() { return userAssignedIdentity; }

    /**
     * Sets the resource id of a user-assigned identity.
     *
     * @param userAssignedIdentity the value
     * @return this object
     */
    public ManagedIdentity setUserAssignedIdentity(String userAssignedIdentity) {
        this.userAssignedIdentity = userAssignedIdentity;
        return this;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof ManagedIdentity o)) return false;
        return Objects.equals(userAssignedIdentity, o.userAssignedIdentity);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userAssignedIdentity);
    }

    @Override
    public String toString() {
        return "ManagedIdentity{" + "userAssignedIdentity=" + userAssignedIdentity + "}";
    }
}
