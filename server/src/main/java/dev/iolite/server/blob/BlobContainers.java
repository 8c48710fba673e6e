package dev.iolite.server.blob;

import dev.iolite.server.files.PrivateFiles;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * Resolves container URIs (docs/architecture.md, the {@code blob} package) for one hub at a time:
 * <ul>
 *   <li>{@code file:NAME} is the folder {@code ROOT/HUB/NAME}: each hub has its own local containers,
 *       and no name reaches another hub's folder or leaves the root;</li>
 *   <li>{@code http(s)://} Blob API containers on hosts the {@link BlobHostGuard} allows, reached through
 *       the address it checked; {@code identityBased} access uses a storage account granted to the hub.</li>
 * </ul>
 * Every refusal is a 400, raised before a job exists.
 */
public final class BlobContainers {
    /** Azure Storage only; loopback is added when the server itself listens on loopback. */
    public static final List<String> DEFAULT_ALLOWED_HOSTS = List.of("*.blob.core.windows.net");
    /**
     * How long the probes of a container that a job create makes may take in all, from the container's opening:
     * connection, TLS handshake and every request included. A request thread waits at most this per container.
     */
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);

    private final Path localRoot;
    private final BlobHostGuard guard;
    private final List<StorageGrant> accounts;
    private final IntSupplier hubCount;
    /** The Azure Blob API clients, made at the first http(s) container (the Azure SDK is not loaded before). */
    private volatile AzureClients azureClients;
    private final MeteredContainer.Counters localBytes;
    private final MeteredContainer.Counters azureBytes;

    /** A storage account's shared key and the hubs that may use it (empty: every hub, while only one exists). */
    public record StorageGrant(String name, String key, List<String> hubs) {
        public StorageGrant {
            hubs = List.copyOf(hubs);
        }

        boolean grantedTo(String hub, int hubCount) {
            return hubs.isEmpty() ? hubCount <= 1 : hubs.stream().anyMatch(h -> h.equalsIgnoreCase(hub));
        }
    }

    /** How long the server waits on blob storage: a probe at a job's creation, or the job itself. */
    public enum Use { PROBE, JOB }

    /**
     * @param localRoot folder holding one folder of {@code file:} containers per hub
     * @param guard     the SSRF guard
     * @param accounts  storage accounts for identityBased access
     * @param hubCount  how many hubs exist now (an account without a hub list serves only a lone hub)
     */
    public BlobContainers(Path localRoot, BlobHostGuard guard, List<StorageGrant> accounts, IntSupplier hubCount) {
        this(localRoot, guard, accounts, hubCount, new io.micrometer.core.instrument.composite.CompositeMeterRegistry());
    }

    /** As above, counting the bytes jobs read and write in {@code meters}, by kind of container. */
    public BlobContainers(Path localRoot, BlobHostGuard guard, List<StorageGrant> accounts, IntSupplier hubCount,
                          io.micrometer.core.instrument.MeterRegistry meters) {
        this.localBytes = new MeteredContainer.Counters(meters, "local");
        this.azureBytes = new MeteredContainer.Counters(meters, "azure");
        this.localRoot = localRoot.toAbsolutePath().normalize();
        this.guard = guard;
        this.accounts = List.copyOf(accounts);
        this.hubCount = hubCount;
    }

    public Path localRoot() { return localRoot; }

    /** The folder of a hub's {@code file:} containers. */
    public Path hubRoot(String hub) {
        return localRoot.resolve(hub.toLowerCase(Locale.ROOT));
    }

    /**
     * Opens the container a URI names for {@code hub}. {@code forWrite} creates a missing {@code file:} folder.
     *
     * @param field which of the request's URIs this is, for messages (each surface words it with its own name)
     * @throws BlobFieldException 400 when the URI is malformed, not allowed, escapes the hub's root, or
     *         needs a credential the hub lacks
     */
    public BlobContainer open(String hub, String uri, StorageAuth auth, BlobField field, boolean forWrite, Use use) {
        if (uri == null || uri.isBlank()) {
            throw bad(field, "is required");
        }
        if (uri.length() > 4096 || uri.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw bad(field, "must be at most 4096 characters without control characters");
        }
        URI parsed;
        try {
            parsed = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw bad(field, "is not a valid URI: " + e.getReason());
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> new MeteredContainer(local(hub, parsed, field, forWrite), localBytes);
            case "http", "https" -> new MeteredContainer(azure(hub, parsed, auth, field, use), azureBytes);
            default -> throw bad(field, "must be an http(s):// Blob API container or a file: container, not '"
                    + redact(uri) + "'");
        };
    }

    private BlobContainer local(String hub, URI uri, BlobField field, boolean forWrite) {
        String name = uri.isOpaque() ? uri.getSchemeSpecificPart() : null;
        if (name == null || !LocalNames.isContainerName(name)) {
            throw bad(field, "must be file:NAME, where NAME is 1 to 8 '/'-separated parts of 1 to 63 letters,"
                    + " digits, '-', '_' or '.', not starting with '.'");
        }
        Path root = hubRoot(hub);
        Path folder = root.resolve(name).toAbsolutePath().normalize();
        if (!folder.startsWith(root) || folder.equals(root)) {
            throw bad(field, "resolves outside the hub's local containers; name one as file:NAME");
        }
        try {
            if (forWrite) {
                LocalLayout.hubFolder(root);
            } else if (Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !LocalLayout.isHubFolder(root)) {
                throw new LocalLayout.ForeignRootException(root + " was not made by Iolite");
            }
            if (forWrite) PrivateFiles.createDirectories(folder);
            for (Path p = folder; p != null && p.startsWith(localRoot); p = p.getParent()) {
                if (Files.isSymbolicLink(p)) throw bad(field, "passes through a link; links are not followed");
            }
            if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(folder)) {
                throw bad(field, "names a file, not a folder");
            }
        } catch (LocalLayout.ForeignRootException e) {
            throw new BlobFieldException(ErrorCode.BLOB_CONTAINER_VALIDATION_ERROR, field, "cannot be used: the hub's"
                    + " folder of local containers on the server was not made by Iolite, so it is left alone; the operator"
                    + " can move it away");
        } catch (IOException e) {
            throw new BlobFieldException(ErrorCode.BLOB_CONTAINER_VALIDATION_ERROR, field,
                    "cannot be used: the folder cannot be created");
        }
        return new LocalFolderContainer(folder, "file:" + root.relativize(folder).toString().replace('\\', '/'));
    }

    private BlobContainer azure(String hub, URI uri, StorageAuth auth, BlobField field, Use use) {
        String host = uri.getHost();
        if (host == null || BlobHostGuard.normalize(host) == null) throw bad(field, "has no valid host");
        BlobHostGuard.Grant grant = guard.grant(host, uri.getPort() > 0 ? uri.getPort()
                : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80);
        if (grant == BlobHostGuard.Grant.NONE) {
            throw bad(field, "names host '" + BlobHostGuard.normalize(host) + "', which this server may not"
                    + " contact; allow it with --allowed-blob-hosts");
        }
        if (uri.getRawUserInfo() != null) throw bad(field, "must not carry user information");
        // An IP literal is connected to without a lookup, so its address is checked here; names are
        // checked by the resolver the connection uses (PinnedResolver).
        java.net.InetAddress literal = BlobHostGuard.literal(BlobHostGuard.normalize(host));
        if (literal != null && !guard.addressAllowed(literal, grant)) {
            throw bad(field, "names host '" + BlobHostGuard.normalize(host) + "', which this server may not"
                    + " contact; allow it with --allowed-blob-hosts");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String endpoint = uri.getScheme() + "://" + uri.getRawAuthority() + path;
        StorageGrant sharedKey = null;
        if (auth == StorageAuth.IDENTITY_BASED) {
            String account = accountName(uri);
            sharedKey = accounts.stream()
                    .filter(a -> a.name().equals(account) && a.grantedTo(hub, hubCount.getAsInt())).findFirst()
                    .orElseThrow(() -> new IoliteException(ErrorCode.BLOB_CONTAINER_VALIDATION_ERROR,
                            "storageAuthenticationType identityBased needs an identity of hub '" + hub
                                    + "' with access to storage account '" + account + "'; none is configured"
                                    + " (see --storage-account NAME=KEY@HUB)"));
        } else if (uri.getRawQuery() == null || !uri.getRawQuery().contains("sig=")) {
            throw bad(field, "carries no SAS token (keyBased): append one with the permissions the job"
                    + " needs, or use identityBased with a configured storage account");
        }
        try {
            return azureClients().open(endpoint, grant, use, sharedKey, sharedKey == null ? uri.getRawQuery() : null);
        } catch (IllegalArgumentException e) {
            throw bad(field, "is not a Blob API container URI");
        }
    }

    private AzureClients azureClients() {
        AzureClients c = azureClients;
        if (c != null) return c;
        synchronized (this) {
            if (azureClients == null) {
                try {
                    azureClients = new AzureClients(guard);
                } catch (NoClassDefFoundError e) {
                    throw new IoliteException(ErrorCode.BLOB_CONTAINER_VALIDATION_ERROR, "this server runs without the "
                            + "Azure Storage SDK (com.azure:azure-storage-blob), so it has file: containers only; add the "
                            + "SDK to its classpath to use http(s) containers");
                }
            }
            return azureClients;
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

    /** The URI without its query, where SAS signatures live. */
    public static String redact(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q) + "?<sas>";
    }

    private static IoliteException bad(BlobField field, String problem) {
        return new BlobFieldException(ErrorCode.ARGUMENT_INVALID, field, problem);
    }
}
