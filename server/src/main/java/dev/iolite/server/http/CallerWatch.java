package dev.iolite.server.http;

import dev.iolite.server.store.StillWanted;
import io.javalin.http.Context;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Whether the caller of a request still waits for its answer, asked while the handler blocks on the store.
 * <p>
 * Jetty does not read a connection while its request is being handled (HTTP/1.1, request body read), so it
 * learns that the client hung up only when it writes the answer; its endpoint stays "open" meanwhile, and a
 * read of our own would take bytes that Jetty's TLS layer owns. The kernel knows, though: a peer's FIN puts
 * the socket in CLOSE_WAIT, a reset in CLOSE, without anyone reading. On Linux this reads that state from
 * {@code /proc/net/tcp} and {@code /proc/net/tcp6} (the socket's two ports and addresses name its line);
 * elsewhere only the endpoint's own state counts, and a query runs on to its deadline.
 */
public final class CallerWatch {
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    /** TCP states of {@code include/net/tcp_states.h}: CLOSE (7) after a reset, CLOSE_WAIT (8) after the peer's FIN. */
    private static final String CLOSE = "07";
    private static final String CLOSE_WAIT = "08";

    private CallerWatch() {
    }

    /** The request's caller, as the store asks about it. */
    public static StillWanted of(Context ctx) {
        Request request = Request.getBaseRequest(ctx.req());
        EndPoint endPoint = request == null || request.getHttpChannel() == null ? null : request.getHttpChannel().getEndPoint();
        String local = hexPort(ctx.req().getLocalPort());
        String remote = hexPort(ctx.req().getRemotePort());
        return () -> (endPoint == null || endPoint.isOpen()) && !peerClosed(local, remote);
    }

    private static String hexPort(int port) {
        return String.format(Locale.ROOT, "%04X", port);
    }

    /** Whether the kernel's socket of these ports is in CLOSE_WAIT or CLOSE (false when it cannot tell). */
    static boolean peerClosed(String localPort, String remotePort) {
        for (Path table : TABLES) {
            if (!Files.isReadable(table)) continue;
            try (var lines = Files.lines(table)) {
                for (String line : (Iterable<String>) lines.skip(1)::iterator) {
                    // "  sl  local_address rem_address   st ..." with addresses as HEXADDR:HEXPORT
                    String[] f = line.trim().split("\\s+", 5);
                    if (f.length < 4 || !f[1].endsWith(":" + localPort) || !f[2].endsWith(":" + remotePort)) continue;
                    if (f[3].equals(CLOSE_WAIT) || f[3].equals(CLOSE)) return true;
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                return false;
            }
        }
        return false;
    }
}
