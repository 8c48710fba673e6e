package dev.iolite.client;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.Context;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Sends JSON requests through an azure-core pipeline and turns failures into {@link IotHubException}. */
final class Transport {
    static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final HttpHeaderName HUB_ERROR_CODE = HttpHeaderName.fromString("iothub-errorcode");

    /** The context key by which azure-core's Netty client takes a per-request response timeout. */
    private static final String RESPONSE_TIMEOUT = "azure-response-timeout";

    private final HttpPipeline pipeline;
    /** {@link #pipeline} without its retry policy, made when first needed. */
    private volatile HttpPipeline once;

    Transport(HttpPipeline pipeline) {
        this.pipeline = pipeline;
    }

    /** A successful answer: its parsed body (null when empty) and its headers. */
    record Answer(JsonNode body, com.azure.core.http.HttpHeaders headers) {}

    /** Sends the request and returns the parsed body (null when empty); non-2xx answers throw. */
    JsonNode send(HttpMethod method, String url, Object body, Map<String, String> headers) {
        return exchange(method, url, body, headers).body();
    }

    /** Sends the request and returns the answer; non-2xx answers throw. */
    Answer exchange(HttpMethod method, String url, Object body, Map<String, String> headers) {
        return exchange(pipeline, Context.NONE, method, url, body, headers, 0);
    }

    /**
     * As {@link #exchange(HttpMethod, String, Object, Map)}, except that an answer with status {@code alsoOk} is
     * returned too (the bulk registry call answers 400 with a body that says which devices failed).
     */
    Answer exchange(HttpMethod method, String url, Object body, Map<String, String> headers, int alsoOk) {
        return exchange(pipeline, Context.NONE, method, url, body, headers, alsoOk);
    }

    /**
     * Sends the request once, never again on a failure, and waits up to {@code responseTimeout} for the answer:
     * for calls that must not be repeated, such as a direct method, whose device would run it twice.
     */
    JsonNode sendOnce(HttpMethod method, String url, Object body, Duration responseTimeout) {
        return exchange(withoutRetries(), new Context(RESPONSE_TIMEOUT, responseTimeout), method, url, body, null, 0).body();
    }

    private HttpPipeline withoutRetries() {
        HttpPipeline p = once;
        if (p == null) {
            List<HttpPipelinePolicy> policies = new ArrayList<>();
            for (int i = 0; i < pipeline.getPolicyCount(); i++) {
                if (!(pipeline.getPolicy(i) instanceof RetryPolicy)) policies.add(pipeline.getPolicy(i));
            }
            p = new HttpPipelineBuilder().httpClient(pipeline.getHttpClient())
                    .policies(policies.toArray(HttpPipelinePolicy[]::new)).build();
            once = p;
        }
        return p;
    }

    private Answer exchange(HttpPipeline via, Context context, HttpMethod method, String url, Object body,
                            Map<String, String> headers, int alsoOk) {
        HttpRequest request = new HttpRequest(method, url);
        request.setHeader(HttpHeaderName.ACCEPT, "application/json");
        if (headers != null) headers.forEach(request::setHeader);
        if (body != null) {
            request.setHeader(HttpHeaderName.CONTENT_TYPE, "application/json");
            request.setBody(write(body));
        }
        try (HttpResponse response = sendSync(via, context, request)) {
            String text = response.getBodyAsBinaryData().toString();
            int status = response.getStatusCode();
            if (status / 100 != 2 && status != alsoOk) throw error(status, response.getHeaderValue(HUB_ERROR_CODE), text);
            return new Answer(text == null || text.isBlank() ? null : JSON.readTree(text), response.getHeaders());
        } catch (JsonProcessingException e) {
            throw new IotHubException(0, "InvalidResponse", "the service answered with malformed JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    <T> T send(HttpMethod method, String url, Object body, Class<T> type) {
        JsonNode n = send(method, url, body, (Map<String, String>) null);
        return n == null ? null : read(n, type);
    }

    static <T> T read(JsonNode n, Class<T> type) {
        try {
            return JSON.treeToValue(n, type);
        } catch (JsonProcessingException e) {
            throw new IotHubException(0, "InvalidResponse", "the service's answer does not fit "
                    + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    private HttpResponse sendSync(HttpPipeline via, Context context, HttpRequest request) {
        try {
            return via.sendSync(request, context);
        } catch (IotHubException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IotHubException(0, "ServiceUnreachable", "could not reach " + request.getUrl().getHost()
                    + ":" + port(request) + ": " + reason(e), e);
        }
    }

    private static int port(HttpRequest r) {
        int p = r.getUrl().getPort();
        return p > 0 ? p : r.getUrl().getDefaultPort();
    }

    /** What went wrong in words, from the innermost cause. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return "the TLS handshake failed (is the server's certificate trusted? give its truststore)";
            }
            if (t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException) {
                return "the connection was refused (is the server running, on that port?)";
            }
            if (t instanceof java.net.UnknownHostException) return "the host is unknown or unreachable";
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.net.SocketTimeoutException) {
                return "the call timed out";
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static String write(Object body) {
        try {
            return body instanceof String s ? s : JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the request cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * An error from either surface: the management API's {@code {"error":{"code","message"}}} (or the
     * flat form), or the service API's {@code {"Message":"<json with errorCode and message>"}} with
     * the {@code iothub-errorcode} header.
     */
    static IotHubException error(int status, String hubErrorCode, String body) {
        String code = hubErrorCode;
        String message = null;
        try {
            JsonNode n = body == null || body.isBlank() ? null : JSON.readTree(body);
            if (n != null && n.has("error") && n.get("error").isObject()) n = n.get("error");
            if (n != null) {
                if (n.hasNonNull("code")) code = n.get("code").asText();
                if (n.hasNonNull("message")) message = n.get("message").asText();
                if (n.hasNonNull("Message")) {
                    message = n.get("Message").asText();
                    JsonNode inner = innerJson(message);
                    if (inner != null) {
                        if (inner.hasNonNull("message")) message = inner.get("message").asText();
                        if (code == null && inner.hasNonNull("errorCode")) code = inner.get("errorCode").asText();
                    }
                }
            }
        } catch (JsonProcessingException e) {
            message = body;
        }
        if (message == null || message.isBlank()) message = "the service answered HTTP " + status;
        return new IotHubException(status, code == null ? "HTTP" + status : code, message, null);
    }

    private static JsonNode innerJson(String text) {
        String t = text.trim();
        if (!t.startsWith("{")) return null;
        try {
            return JSON.readTree(t);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
