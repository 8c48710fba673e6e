package dev.iolite.client;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.http.policy.AddDatePolicy;
import com.azure.core.http.policy.BearerTokenAuthenticationPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.RequestIdPolicy;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.http.policy.RetryPolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Builds an {@link IotHubClient}: the endpoint, the credential, the subscription and, for Iolite, its truststore. */
public final class IotHubClientBuilder {
    static final String USER_AGENT = "iolite-client/0.1.0";

    private String endpoint = IotHubClient.AZURE_ENDPOINT;
    private TokenCredential credential;
    private String subscriptionId;
    private Path trustStore;
    private char[] trustStorePassword;
    private String apiVersion = IotHubClient.DEFAULT_API_VERSION;
    private RetryOptions retryOptions;
    private HttpClient httpClient;

    IotHubClientBuilder() {}

    /**
     * Sets the management endpoint: Azure's by default, or an Iolite server's URL.
     *
     * @param endpoint an https URL
     * @return this builder
     */
    public IotHubClientBuilder endpoint(String endpoint) {
        URI uri = URI.create(Objects.requireNonNull(endpoint, "endpoint"));
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("the endpoint must be an https URL with a host, not '" + endpoint + "'");
        }
        this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        return this;
    }

    /**
     * Sets the credential that issues bearer tokens for the management API.
     *
     * @param credential the credential
     * @return this builder
     */
    public IotHubClientBuilder credential(TokenCredential credential) {
        this.credential = Objects.requireNonNull(credential, "credential");
        return this;
    }

    /**
     * Sets the subscription the hubs belong to.
     *
     * @param subscriptionId the subscription id
     * @return this builder
     */
    public IotHubClientBuilder subscriptionId(String subscriptionId) {
        this.subscriptionId = Objects.requireNonNull(subscriptionId, "subscriptionId");
        return this;
    }

    /**
     * Trusts the certificates of a PKCS12 truststore, such as the one an Iolite server writes to its
     * data folder, instead of the JVM's default trust.
     *
     * @param path     the truststore file
     * @param password its password
     * @return this builder
     */
    public IotHubClientBuilder trustStore(Path path, String password) {
        this.trustStore = Objects.requireNonNull(path, "path");
        this.trustStorePassword = password == null ? new char[0] : password.toCharArray();
        return this;
    }

    /**
     * Sets the management API version sent with every call.
     *
     * @param apiVersion such as {@code 2023-06-30}
     * @return this builder
     */
    public IotHubClientBuilder apiVersion(String apiVersion) {
        this.apiVersion = Objects.requireNonNull(apiVersion, "apiVersion");
        return this;
    }

    /**
     * Sets how failed calls are retried (azure-core's exponential back-off by default).
     *
     * @param retryOptions the retry options
     * @return this builder
     */
    public IotHubClientBuilder retryOptions(RetryOptions retryOptions) {
        this.retryOptions = retryOptions;
        return this;
    }

    /**
     * Uses this HTTP client instead of one built here; a truststore set on this builder is then ignored.
     *
     * @param httpClient the client
     * @return this builder
     */
    public IotHubClientBuilder httpClient(HttpClient httpClient) {
        this.httpClient = httpClient;
        return this;
    }

    /**
     * Builds the client.
     *
     * @return the client
     * @throws IllegalStateException when the credential or the subscription is missing, or the truststore cannot be read
     */
    public IotHubClient build() {
        if (credential == null) throw new IllegalStateException("a credential is required");
        if (subscriptionId == null || subscriptionId.isBlank()) throw new IllegalStateException("a subscription id is required");
        HttpClient http = httpClient != null ? httpClient : httpClient();
        String scope = endpoint + "/.default";
        HttpPipeline management = pipeline(http, new BearerTokenAuthenticationPolicy(credential, scope));
        boolean azure = IotHubClient.AZURE_ENDPOINT.equals(endpoint);
        return new IotHubClient(new IotHubResources(new Transport(management), endpoint, subscriptionId, apiVersion,
                hostName -> azure ? "https://" + hostName : endpoint,
                sas -> new Transport(pipeline(http, sas))));
    }

    private HttpPipeline pipeline(HttpClient http, HttpPipelinePolicy auth) {
        List<HttpPipelinePolicy> policies = new ArrayList<>();
        policies.add(new UserAgentPolicy(USER_AGENT));
        policies.add(new RequestIdPolicy());
        policies.add(retryOptions == null ? new RetryPolicy() : new RetryPolicy(retryOptions));
        policies.add(new AddDatePolicy());
        policies.add(auth);
        return new HttpPipelineBuilder().httpClient(http).policies(policies.toArray(HttpPipelinePolicy[]::new)).build();
    }

    private HttpClient httpClient() {
        if (trustStore == null) return HttpClient.createDefault();
        try (InputStream in = Files.newInputStream(trustStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, trustStorePassword);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SslContext ssl = SslContextBuilder.forClient().trustManager(tmf).build();
            return new NettyAsyncHttpClientBuilder(reactor.netty.http.client.HttpClient.create()
                    .secure(spec -> spec.sslContext(ssl))).build();
        } catch (SSLException e) {
            throw new IllegalStateException("TLS could not be set up with " + trustStore + ": " + e.getMessage(), e);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the truststore " + trustStore + " cannot be read: " + e.getMessage(), e);
        }
    }
}
