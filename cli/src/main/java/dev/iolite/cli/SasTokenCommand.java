package dev.iolite.cli;

import dev.iolite.client.IotHubException;
import dev.iolite.client.IotHubResources;
import dev.iolite.client.models.SharedAccessKey;
import dev.iolite.server.auth.SasToken;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code iolite sas-token}: prints a SAS token for a hub's API signed with a policy's key, or a device's or
 * module's token signed with its own key. The keys are read from the server at each call (never from
 * {@code ready.json}), so a token is signed with the key the hub has now, after any rotation.
 */
@Command(name = "sas-token", mixinStandardHelpOptions = true, description = {
        "Print a SharedAccessSignature: for the hub's service API, signed with a shared access policy's key (default: "
                + "iothubowner), or with --device (and --module) for that device, signed with its own key.",
        "Keys are read from the server, so the token is signed with the current key."})
final class SasTokenCommand implements Callable<Integer> {
    static final String DEFAULT_POLICY = "iothubowner";

    @Mixin
    Connection conn;

    @Option(names = "--policy", paramLabel = "POLICY", description = "The shared access policy whose key signs a service token "
            + "(default: " + DEFAULT_POLICY + ").")
    String policy;

    @Option(names = {"-d", "--device"}, paramLabel = "DEVICE_ID", description = "A token for this device, signed with its key.")
    String deviceId;

    @Option(names = {"-m", "--module"}, paramLabel = "MODULE_ID", description = "With --device: a token for this module of it.")
    String moduleId;

    @Option(names = "--key-type", defaultValue = "primary", description = "primary or secondary (default: ${DEFAULT-VALUE}).")
    DeviceCommand.ConnectionString.KeyType keyType;

    @Option(names = "--ttl", defaultValue = "1h", converter = TokenCommand.DurationConverter.class,
            description = "Lifetime: 90s, 30m, 1h, 7d or ISO-8601 such as PT1H (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (moduleId != null && deviceId == null) throw new Connection.Usage("--module goes with --device DEVICE_ID");
        if (policy != null && deviceId != null) {
            throw new Connection.Usage("choose --policy or --device: a device's token is signed with the device's own key");
        }
        boolean secondary = keyType == DeviceCommand.ConnectionString.KeyType.secondary;
        IotHubResources hubs = conn.client().iotHubResource();
        String hub = conn.hub();
        String host = hubs.get(conn.resourceGroup(), hub).getHostName().toLowerCase(Locale.ROOT);
        Instant expires = Instant.now().plus(ttl);
        String token;
        String resource;
        if (deviceId == null) {
            String name = policy == null ? DEFAULT_POLICY : policy;
            SharedAccessKey key = hubs.listKeys(conn.resourceGroup(), hub).stream()
                    .filter(k -> name.equalsIgnoreCase(k.getKeyName())).findFirst()
                    .orElseThrow(() -> new IotHubException(404, "NotFound", "hub '" + hub
                            + "' has no shared access policy named '" + name + "' ('iolite hub keys' lists them)", null));
            resource = host;
            token = SasToken.createFor(resource, key.getKeyName(), secondary ? key.getSecondaryKey() : key.getPrimaryKey(), expires);
        } else {
            String key = DeviceKeys.of(DeviceCommand.registry(conn), deviceId, moduleId, secondary);
            resource = host + "/devices/" + deviceId + (moduleId == null ? "" : "/modules/" + moduleId);
            token = SasToken.createFor(resource, null, key, expires);
        }
        Printer p = new Printer(spec.commandLine().getOut(), conn.output);
        if (p.json()) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("sasToken", token);
            out.put("resource", resource);
            out.put("expiresOn", expires.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            p.json(out);
        } else {
            p.line(token);
        }
        return 0;
    }
}
