package dev.iolite.server.blob;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.iolite.server.jobs.StorageAuth;
import dev.iolite.server.registry.ErrorCode;
import dev.iolite.server.registry.IoliteException;

import java.io.IOException;
import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves container URIs (DESIGN "Blob containers"): {@code http(s)://} Blob API containers on
 * allowed hosts only (the SSRF guard), and {@code file:} folders that never leave the local root.
 * Every refusal is a 400 naming the problem, raised before a job exists.
 */
public final class BlobContainers {
    /** Loopback and Azure Storage: what the server may contact unless configured otherwise. */
    public static final List<String> DEFAULT_ALLOWED_HOSTS = List.of("localhost", "127.0.0.1", "::1",
            "*.blob.core.windows.net");

    private final Path localRoot;
    private final List<String> allowedHosts;
    private final Map<String, String> accountKeys;

    /**
     * @param localRoot    folder holding {@code file:} containers
     * @param allowedHosts host names, {@code *.suffix} patterns or IP addresses the server may reach
     * @param accountKeys  storage account name to shared key, for identityBased access
     */
    public BlobContainers(Path localRoot, List<String> allowedHosts, Map<String, String> accountKeys) {
        this.localRoot = localRoot.toAbsolutePath().normalize();
        this.allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        this.accountKeys = Map.copyOf(accountKeys);
    }

    public Path localRoot() { return localRoot; }

    /**
     * Opens the container a URI names. {@code forWrite} creates a missing {@code file:} folder.
     *
     * @throws IoliteException 400 when the URI is malformed, not allowed, escapes the root, or
     *         needs a credential the server lacks
     */
    public BlobContainer open(String uri, StorageAuth auth, String field, boolean forWrite) {
        if (uri == null || uri.isBlank()) {
            throw bad("'" + field + "' is required");
        }
        URI parsed;
        try {
            parsed = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw bad("'" + field + "' is not a valid URI: " + e.getReason());
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> local(parsed, field, forWrite);
            case "http", "https" -> azure(parsed, auth, field);
            default -> throw bad("'" + field + "' must be an http(s):// Blob API container or a file: container, not '"
                    + redact(uri) + "'");
        };
    }

    private BlobContainer local(URI uri, String field, boolean forWrite) {
        Path folder;
        if (uri.isOpaque()) {
            String name = uri.getSchemeSpecificPart();
            if (name == null || name.isBlank()) throw bad("'" + field + "' names no folder: use file:NAME");
            folder = localRoot.resolve(name);
        } else {
            if (uri.getPath() == null || uri.getPath().isEmpty()) throw bad("'" + field + "' names no folder");
            folder = Path.of(uri.getPath());
        }
        folder = folder.toAbsolutePath().normalize();
        if (!folder.startsWith(localRoot) || folder.equals(localRoot)) {
            throw bad("'" + field + "' resolves outside the local blob root; name a folder inside it, as file:NAME");
        }
        try {
            if (forWrite) Files.createDirectories(folder);
            if (Files.exists(folder)) {
                Path real = folder.toRealPath();
                if (!real.startsWith(localRoot.toRealPath())) {
                    throw bad("'" + field + "' leads outside the local blob root through a link");
                }
            }
            for (Path p = folder; p != null && p.startsWith(localRoot) && !p.equals(localRoot); p = p.getParent()) {
                if (Files.isSymbolicLink(p)) throw bad("'" + field + "' passes through a link; links are not followed");
            }
            if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(folder)) {
                throw bad("'" + field + "' names a file, not a folder");
            }
        } catch (IOException e) {
            throw bad("'" + field + "' cannot be used: " + e.getMessage());
        }
        return new LocalFolderContainer(folder, "file:" + localRoot.relativize(folder));
    }

    private BlobContainer azure(URI uri, StorageAuth auth, String field) {
        String host = uri.getHost();
        if (host == null) throw bad("'" + field + "' has no host");
        if (!allowed(host)) {
            throw bad("'" + field + "' names host '" + host + "', which this server may not contact;"
                    + " allow it with --allowed-blob-hosts");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String endpoint = uri.getScheme() + "://" + uri.getRawAuthority() + path;
        BlobContainerClientBuilder b = new BlobContainerClientBuilder().endpoint(endpoint);
        if (auth == StorageAuth.IDENTITY_BASED) {
            String account = accountName(uri);
            String key = accountKeys.get(account);
            if (key == null) {
                throw bad("storageAuthenticationType identityBased needs a credential for storage account '" + account
                        + "'; start the server with --storage-account " + account + "=KEY");
            }
            b.credential(new StorageSharedKeyCredential(account, key));
        } else {
            if (uri.getRawQuery() == null || !uri.getRawQuery().contains("sig=")) {
                throw bad("'" + field + "' carries no SAS token (keyBased): append one with the permissions the job"
                        + " needs, or use identityBased with a configured storage account");
            }
            b.sasToken(uri.getRawQuery());
        }
        try {
            BlobContainerClient client = b.buildClient();
            return new AzureBlobContainer(client, uri.getScheme() + "://" + uri.getRawAuthority() + path);
        } catch (IllegalArgumentException e) {
            throw bad("'" + field + "' is not a Blob API container URI: " + e.getMessage());
        }
    }

    /** The account: the first label of {@code NAME.blob...}, or the first path segment (path-style, Azurite). */
    static String accountName(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (host.contains(".blob.")) return host.substring(0, host.indexOf('.'));
        String path = uri.getPath() == null ? "" : uri.getPath();
        String[] parts = path.split("/");
        return parts.length > 1 ? parts[1] : "";
    }

    private boolean allowed(String rawHost) {
        String host = IDN.toASCII(rawHost.replace("[", "").replace("]", "")).toLowerCase(Locale.ROOT);
        for (String a : allowedHosts) {
            if (a.startsWith("*.") ? host.endsWith(a.substring(1)) : host.equals(a)) return true;
        }
        // Any loopback address counts as loopback when loopback is allowed.
        if (allowedHosts.contains("127.0.0.1") && isLiteralLoopback(host)) return true;
        return false;
    }

    private static boolean isLiteralLoopback(String host) {
        if (!host.matches("[0-9.]+|[0-9a-f:]+")) return false;
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The URI without its query, where SAS signatures live. */
    public static String redact(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q) + "?<sas>";
    }

    private static IoliteException bad(String message) {
        return new IoliteException(ErrorCode.ARGUMENT_INVALID, message);
    }
}
