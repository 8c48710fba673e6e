package dev.iolite.server.hubs;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An IoT hub: its ARM placement, SKU, shared access policies and the host name SAS tokens name. */
public record Hub(String name, String subscriptionId, String resourceGroup, String location, String skuName,
                  long skuCapacity, Map<String, String> tags, List<SharedAccessPolicy> policies, long version,
                  Instant createdAt) {

    public Hub {
        tags = Map.copyOf(tags);
        policies = List.copyOf(policies);
    }

    /**
     * The data-plane host name; tokens name it in {@code sr}
     * (https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas).
     */
    public String hostName() { return name.toLowerCase(java.util.Locale.ROOT) + "." + HubService.HOST_SUFFIX; }

    public String etag() {
        return java.util.Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(8).putLong(version).array());
    }

    public Optional<SharedAccessPolicy> policy(String keyName) {
        return policies.stream().filter(p -> p.keyName().equalsIgnoreCase(keyName)).findFirst();
    }

    public String connectionString(String keyName) {
        SharedAccessPolicy p = policy(keyName).orElseThrow();
        return "HostName=" + hostName() + ";SharedAccessKeyName=" + p.keyName() + ";SharedAccessKey=" + p.primaryKey();
    }
}
