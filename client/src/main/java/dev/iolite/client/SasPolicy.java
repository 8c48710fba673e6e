package dev.iolite.client;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import reactor.core.publisher.Mono;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/** Signs service API requests with a shared access signature made from a hub policy's key, renewed before it expires. */
final class SasPolicy implements HttpPipelinePolicy {
    private static final Duration LIFETIME = Duration.ofHours(1);
    private static final Duration RENEW_BEFORE = Duration.ofMinutes(5);

    private final String resource;
    private final String keyName;
    private final byte[] key;
    private final Clock clock;
    private String token;
    private long expiresAt;

    SasPolicy(String hostName, String keyName, String base64Key, Clock clock) {
        this.resource = hostName.toLowerCase(java.util.Locale.ROOT);
        this.keyName = keyName;
        this.key = Base64.getDecoder().decode(base64Key);
        this.clock = clock;
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        context.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, token());
        return next.process();
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        context.getHttpRequest().setHeader(HttpHeaderName.AUTHORIZATION, token());
        return next.processSync();
    }

    synchronized String token() {
        long now = clock.instant().getEpochSecond();
        if (token == null || now >= expiresAt - RENEW_BEFORE.toSeconds()) {
            expiresAt = now + LIFETIME.toSeconds();
            String sr = URLEncoder.encode(resource, StandardCharsets.UTF_8);
            token = "SharedAccessSignature sr=" + sr + "&sig="
                    + URLEncoder.encode(sign(sr + "\n" + expiresAt), StandardCharsets.UTF_8)
                    + "&se=" + expiresAt + "&skn=" + URLEncoder.encode(keyName, StandardCharsets.UTF_8);
        }
        return token;
    }

    private String sign(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
        }
    }
}
