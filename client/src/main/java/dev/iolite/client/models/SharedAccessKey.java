package dev.iolite.client.models;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/** A shared access policy of a hub: a key name, its two keys and its rights. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public final class SharedAccessKey {
    @JsonProperty("keyName")
    private String keyName;

    @JsonProperty("primaryKey")
    private String primaryKey;

    @JsonProperty("secondaryKey")
    private String secondaryKey;

    @JsonProperty("rights")
    private String rights;

    /** Creates an empty instance. */
    public SharedAccessKey() {}

    /** @return the policy name */
    public String getKeyName() { return keyName; }

    /**
     * Sets the policy name.
     *
     * @param keyName the value
     * @return this object
     */
    public SharedAccessKey setKeyName(String keyName) {
        this.keyName = keyName;
        return this;
    }

    /** @return the primary key, base64 */
    public String getPrimaryKey() { return primaryKey; }

    /**
     * Sets the primary key, base64.
     *
     * @param primaryKey the value
     * @return this object
     */
    public SharedAccessKey setPrimaryKey(String primaryKey) {
        this.primaryKey = primaryKey;
        return this;
    }

    /** @return the secondary key, base64 */
    public String getSecondaryKey() { return secondaryKey; }

    /**
     * Sets the secondary key, base64.
     *
     * @param secondaryKey the value
     * @return this object
     */
    public SharedAccessKey setSecondaryKey(String secondaryKey) {
        this.secondaryKey = secondaryKey;
        return this;
    }

    /** @return the rights, comma-separated, such as "RegistryRead, RegistryWrite" */
    public String getRights() { return rights; }

    /**
     * Sets the rights, comma-separated, such as "RegistryRead, RegistryWrite".
     *
     * @param rights the value
     * @return this object
     */
    public SharedAccessKey setRights(String rights) {
        this.rights = rights;
        return this;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) return true;
        if (!(other instanceof SharedAccessKey o)) return false;
        return Objects.equals(keyName, o.keyName)
                && Objects.equals(primaryKey, o.primaryKey)
                && Objects.equals(secondaryKey, o.secondaryKey)
                && Objects.equals(rights, o.rights);
    }

    @Override
    public int hashCode() {
        return Objects.hash(keyName, primaryKey, secondaryKey, rights);
    }

    @Override
    public String toString() {
        return "SharedAccessKey{" + "keyName=" + keyName + ", " + "primaryKey=" + primaryKey + ", " + "secondaryKey=" + secondaryKey + ", " + "rights=" + rights + "}";
    }
}
