package dev.iolite.cli.simulate;

import dev.iolite.server.auth.SasToken;

import java.time.Duration;
import java.time.Instant;

/** A device id and its primary key, from which the device signs the SAS token it connects with. */
public record DeviceCredential(String deviceId, String primaryKey) {
    /** Long enough for any run; a reconnection signs a new token, and the hub ends a connection when its token expires. */
    static final Duration TOKEN_TTL = Duration.ofHours(1);

    /** The CONNECT password: a token for {@code {hubHostName}/devices/{deviceId}} signed with the device's key. */
    String password(String hubHostName, Instant now) {
        return SasToken.createFor(hubHostName + "/devices/" + deviceId, null, primaryKey, now.plus(TOKEN_TTL));
    }

    /** The CONNECT user name IoT Hub expects of a device. */
    String userName(String hubHostName) {
        return hubHostName + "/" + deviceId + "/?api-version=2021-04-12&DeviceClientType=iolite-simulate";
    }
}
