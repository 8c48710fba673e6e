package dev.iolite.server.hubs;

import dev.iolite.server.registry.StoredText;
import dev.iolite.server.registry.Credentials;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.registry.ETags;
import dev.iolite.server.registry.IdRules;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.store.StaleWriteException;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Hub lifecycle for the ARM surface, and hub lookup for authentication. */
public final class HubService {
    /** Hub host names are {@code {name}.azure-devices.net}, as in real connection strings and tokens. */
    public static final String HOST_SUFFIX = "azure-devices.net";
    public static final List<String> SKUS = List.of("F1", "S1", "S2", "S3", "B1", "B2", "B3");
    /** IoT Hub's limit on shared access policies per hub. */
    public static final int MAX_POLICIES = 16;

    private final HubStore store;
    private final Credentials credentials;
    private final Clock clock;
    private final Consumer<String> afterCreate;
    private final Consumer<Hub> afterUpdate;
    private final Consumer<String> afterDelete;

    /** @param afterDelete called with a hub's name after its deletion committed (to remove what lives outside the store) */
    public HubService(HubStore store, Credentials credentials, Clock clock, Consumer<String> afterDelete) {
        this(store, credentials, clock, name -> { }, hub -> { }, afterDelete);
    }

    /**
     * @param afterCreate called with a hub's name after its creation committed (to make what lives outside the store)
     * @param afterUpdate called with the hub as it is after a change of its SKU, tags or keys committed (to
     *                    rewrite what holds a copy of its keys, such as ready.json)
     * @param afterDelete called with a hub's name after its deletion committed (to remove what lives outside the store)
     */
    public HubService(HubStore store, Credentials credentials, Clock clock, Consumer<String> afterCreate,
                      Consumer<Hub> afterUpdate, Consumer<String> afterDelete) {
        this.store = store;
        this.credentials = credentials;
        this.clock = clock;
        this.afterCreate = afterCreate;
        this.afterUpdate = afterUpdate;
        this.afterDelete = afterDelete;
    }

    /** Creates the default hub at first start; keeps it (and its keys) afterwards. */
    public Hub ensure(String name, String subscriptionId, String resourceGroup) {
        Optional<Hub> existing = store.find(name);
        if (existing.isPresent()) return existing.get();
        Hub hub = new Hub(name, subscriptionId, resourceGroup, "local", "S1", 1, Map.of(),
                SharedAccessPolicy.defaults(credentials::newKey), 1, clock.instant());
        store.insert(hub);
        afterCreate.accept(hub.name());
        return hub;
    }

    public Optional<Hub> find(String name) { return name == null ? Optional.empty() : store.find(name); }

    public List<Hub> list() { return store.list(); }

    /** The hub addressed by an ARM path; 404 when it does not exist under that subscription and group. */
    public Hub get(String subscriptionId, String resourceGroup, String name) {
        return store.find(name)
                .filter(h -> h.subscriptionId().equalsIgnoreCase(subscriptionId)
                        && h.resourceGroup().equalsIgnoreCase(resourceGroup))
                .orElseThrow(() -> new IoliteException(ErrorCode.HUB_NOT_FOUND,
                        "IotHub '" + name + "' was not found in resource group '" + resourceGroup + "'"));
    }

    /** The hub whose host name or name is the first label of {@code host} (port ignored), if any. */
    public Optional<Hub> findByHost(String host) {
        if (host == null || host.isBlank()) return Optional.empty();
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) return Optional.empty();
        int colon = h.indexOf(':');
        if (colon >= 0) h = h.substring(0, colon);
        int dot = h.indexOf('.');
        String label = dot < 0 ? h : h.substring(0, dot);
        if (!IdRules.isHubName(label)) return Optional.empty();
        return store.find(label);
    }

    /**
     * ARM PUT: creates the hub, or updates location-independent settings (SKU, tags) of an existing
     * one when {@code ifMatch} is absent, {@code *} or its etag. Returns the hub and whether it was created.
     */
    public Placed createOrUpdate(String subscriptionId, String resourceGroup, String name, HubSpec spec, String ifMatch) {
        if (!IdRules.isHubName(name)) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "hub name '" + name
                    + "' is invalid: 3 to 50 letters, digits or hyphens, not all digits, not starting with a hyphen");
        }
        spec.validate();
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<Hub> existing = store.find(name);
            if (existing.isEmpty()) {
                Hub hub = new Hub(name, subscriptionId, resourceGroup, spec.location(), spec.skuName(), spec.capacity(),
                        spec.tags(), spec.policies() == null ? SharedAccessPolicy.defaults(credentials::newKey)
                                : policies(spec.policies(), List.of()), 1, clock.instant());
                try {
                    store.insert(hub);
                    afterCreate.accept(hub.name());
                    return new Placed(hub, true);
                } catch (StaleWriteException e) {
                    continue;
                }
            }
            Hub cur = existing.get();
            if (!cur.subscriptionId().equalsIgnoreCase(subscriptionId) || !cur.resourceGroup().equalsIgnoreCase(resourceGroup)) {
                throw new IoliteException(ErrorCode.HUB_ALREADY_EXISTS, "IotHub name '" + name + "' is not available");
            }
            String expected = ETags.unquote(ifMatch);
            if (expected != null && !ETags.isWildcard(expected) && !expected.equals(cur.etag())) {
                throw new IoliteException(ErrorCode.PRECONDITION_FAILED,
                        "If-Match '" + expected + "' does not match the hub's etag '" + cur.etag() + "'");
            }
            Hub next = new Hub(cur.name(), cur.subscriptionId(), cur.resourceGroup(), cur.location(), spec.skuName(),
                    spec.capacity(), spec.tags(), spec.policies() == null ? cur.policies()
                    : policies(spec.policies(), cur.policies()), cur.version() + 1, cur.createdAt());
            try {
                store.update(next, cur.version());
                afterUpdate.accept(next);
                return new Placed(next, false);
            } catch (StaleWriteException e) {
                // lost a race with another writer: read again
            }
        }
        throw new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the hub is changing too quickly; try again");
    }

    /** ARM PATCH: replaces the hub's tags (the only field the tags-only PATCH carries). */
    public Hub updateTags(String subscriptionId, String resourceGroup, String name, Map<String, String> tags) {
        requireStorable(tags);
        for (int attempt = 0; attempt < 5; attempt++) {
            Hub cur = get(subscriptionId, resourceGroup, name);
            Hub next = new Hub(cur.name(), cur.subscriptionId(), cur.resourceGroup(), cur.location(), cur.skuName(),
                    cur.skuCapacity(), tags, cur.policies(), cur.version() + 1, cur.createdAt());
            try {
                store.update(next, cur.version());
                afterUpdate.accept(next);
                return next;
            } catch (StaleWriteException e) {
                // lost a race with another writer: read again
            }
        }
        throw new IoliteException(ErrorCode.SERVICE_UNAVAILABLE, "the hub is changing too quickly; try again");
    }

    /**
     * Deletes the hub with all its identities, counters, policies and jobs in one transaction (its running
     * job stops at its next batch without writing); returns what was deleted, or empty when there was no such hub. */
    public Optional<Hub> delete(String subscriptionId, String resourceGroup, String name) {
        Optional<Hub> hub = store.find(name).filter(h -> h.subscriptionId().equalsIgnoreCase(subscriptionId)
                && h.resourceGroup().equalsIgnoreCase(resourceGroup));
        Optional<Hub> deleted = hub.filter(h -> store.delete(h.name()));
        deleted.ifPresent(h -> afterDelete.accept(h.name()));
        return deleted;
    }

    /** The policies a PUT asks for, keys filled from the current ones or made new, each checked. */
    private List<SharedAccessPolicy> policies(List<PolicySpec> wanted, List<SharedAccessPolicy> current) {
        List<SharedAccessPolicy> out = new java.util.ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (PolicySpec p : wanted) {
            if (p.keyName() == null || !p.keyName().matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "a shared access policy's 'keyName' must be 1 to 64"
                        + " letters, digits, '.', '_' or '-'");
            }
            if (!names.add(p.keyName().toLowerCase(Locale.ROOT))) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "shared access policy '" + p.keyName()
                        + "' is named twice");
            }
            Optional<SharedAccessPolicy> old = current.stream().filter(c -> c.keyName().equalsIgnoreCase(p.keyName())).findFirst();
            String primary = p.primaryKey() != null ? requireKey(p.primaryKey(), p.keyName(), "primaryKey")
                    : old.map(SharedAccessPolicy::primaryKey).orElseGet(credentials::newKey);
            String secondary = p.secondaryKey() != null ? requireKey(p.secondaryKey(), p.keyName(), "secondaryKey")
                    : old.map(SharedAccessPolicy::secondaryKey).orElseGet(credentials::newKey);
            out.add(new SharedAccessPolicy(p.keyName(), primary, secondary, p.rights()));
        }
        return out;
    }

    /** A key is base64 of 16 to 64 bytes (IoT Hub's own keys are 32); the message never repeats the key. */
    private static String requireKey(String key, String keyName, String field) {
        byte[] bytes;
        try {
            bytes = java.util.Base64.getDecoder().decode(key);
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        if (bytes.length < 16 || bytes.length > 64) {
            throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'" + field + "' of policy '" + keyName
                    + "' must be base64 of 16 to 64 bytes");
        }
        return key;
    }

    /** A policy a PUT names: keys may be absent (keep or make them). */
    public record PolicySpec(String keyName, String primaryKey, String secondaryKey, java.util.Set<dev.iolite.server.hubs.Right> rights) {}

    /** What a PUT asks for; {@code policies} null keeps the hub's policies. */
    public record HubSpec(String location, String skuName, long capacity, Map<String, String> tags,
                          List<PolicySpec> policies) {
        void validate() {
            if (location == null || location.isBlank()) {
                throw new IoliteException(ErrorCode.ARGUMENT_NULL, "'location' is required");
            }
            if (skuName == null || SKUS.stream().noneMatch(s -> s.equals(skuName))) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID,
                        "'sku.name' must be one of " + String.join(", ", SKUS) + ", not '" + skuName + "'");
            }
            if (capacity < 1 || capacity > 200) {
                throw new IoliteException(ErrorCode.ARGUMENT_INVALID, "'sku.capacity' must be 1 to 200");
            }
            StoredText.require(location, "'location'");
            requireStorable(tags);
        }
    }

    /** Tag names and values hold only text every store can hold. */
    private static void requireStorable(Map<String, String> tags) {
        if (tags == null) return;
        tags.forEach((k, v) -> {
            StoredText.require(k, "a tag name");
            StoredText.require(v, "'tags." + k + "'");
        });
    }

    public record Placed(Hub hub, boolean created) {}
}
