package dev.iolite.server.blob;

import com.azure.core.http.HttpClient;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.util.Configuration;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The Azure SDK side of {@link BlobContainers}: one HTTP client per grant and use, shared by every container
 * (connection pools and resolvers are made once), and the container clients built on them. Only this class
 * and {@link AzureBlobContainer} touch the SDK, and they are loaded at the first http(s) container: a server
 * whose jobs use {@code file:} containers starts without Netty, or without the SDK on its classpath.
 */
final class AzureClients {
    private final Map<BlobHostGuard.Grant, Map<BlobContainers.Use, HttpClient>> clients = new EnumMap<>(BlobHostGuard.Grant.class);

    AzureClients(BlobHostGuard guard) {
        for (BlobHostGuard.Grant g : List.of(BlobHostGuard.Grant.PUBLIC_ONLY, BlobHostGuard.Grant.EXPLICIT)) {
            Map<BlobContainers.Use, HttpClient> byUse = new EnumMap<>(BlobContainers.Use.class);
            PinnedResolver resolver = new PinnedResolver(guard, g);
            for (BlobContainers.Use u : BlobContainers.Use.values()) byUse.put(u, httpClient(resolver, u));
            clients.put(g, byUse);
        }
    }

    /**
     * The container at {@code endpoint}, authorized by a storage account's shared key or by a SAS query.
     *
     * @throws IllegalArgumentException when the endpoint is not a Blob API container URI
     */
    BlobContainer open(String endpoint, BlobHostGuard.Grant grant, BlobContainers.Use use,
                       BlobContainers.StorageGrant sharedKey, String sasQuery) {
        BlobContainerClientBuilder b = new BlobContainerClientBuilder().endpoint(endpoint)
                .httpClient(clients.get(grant).get(use)).configuration(Configuration.NONE)
                .retryOptions(use == BlobContainers.Use.PROBE
                        ? new RequestRetryOptions(RetryPolicyType.FIXED, 1,
                                (int) BlobContainers.PROBE_TIMEOUT.toSeconds() + 2, null, null, null)
                        : new RequestRetryOptions());
        if (sharedKey != null) {
            b.credential(new StorageSharedKeyCredential(sharedKey.name(), sharedKey.key()));
        } else {
            b.sasToken(sasQuery);
        }
        return new AzureBlobContainer(b.buildClient(), endpoint,
                use == BlobContainers.Use.PROBE ? BlobContainers.PROBE_TIMEOUT : null);
    }

    /** A client that connects only to addresses the guard checked, through no proxy, with the use's timeouts. */
    private static HttpClient httpClient(PinnedResolver resolver, BlobContainers.Use use) {
        reactor.netty.http.client.HttpClient netty = reactor.netty.http.client.HttpClient.create()
                .resolver(resolver).followRedirect(false);
        NettyAsyncHttpClientBuilder b = new NettyAsyncHttpClientBuilder(netty).configuration(Configuration.NONE);
        if (use == BlobContainers.Use.PROBE) {
            Duration t = BlobContainers.PROBE_TIMEOUT;
            b.connectTimeout(t).responseTimeout(t).readTimeout(t).writeTimeout(t);
        } else {
            b.connectTimeout(Duration.ofSeconds(10));
        }
        return b.build();
    }
}
