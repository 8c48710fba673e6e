package dev.iolite.server.hubs;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** A hub's shared access policy: a key name, two keys and rights. */
public record SharedAccessPolicy(String keyName, String primaryKey, String secondaryKey, Set<Right> rights) {
    public SharedAccessPolicy {
        rights = Set.copyOf(rights);
    }

    /**
     * The five standard policies of every new hub
     * (https://learn.microsoft.com/azure/iot-hub/authenticate-authorize-sas), with fresh keys.
     */
    public static List<SharedAccessPolicy> defaults(Supplier<String> newKey) {
        return List.of(
                new SharedAccessPolicy("iothubowner", newKey.get(), newKey.get(), EnumSet.allOf(Right.class)),
                new SharedAccessPolicy("service", newKey.get(), newKey.get(), EnumSet.of(Right.SERVICE_CONNECT)),
                new SharedAccessPolicy("device", newKey.get(), newKey.get(), EnumSet.of(Right.DEVICE_CONNECT)),
                new SharedAccessPolicy("registryRead", newKey.get(), newKey.get(), EnumSet.of(Right.REGISTRY_READ)),
                new SharedAccessPolicy("registryReadWrite", newKey.get(), newKey.get(),
                        EnumSet.of(Right.REGISTRY_READ, Right.REGISTRY_WRITE)));
    }
}
