package dev.iolite.server.blob;

import java.net.IDN;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * The SSRF guard: which blob hosts, and which addresses behind them, the server may connect to.
 *
 * <ul>
 *   <li>A host must match an allowed entry: a name or IP literal ({@code host} or {@code host:port}), a
 *       {@code *.suffix} pattern, or a CIDR range ({@code 10.1.0.0/16}).</li>
 *   <li>Every address the host resolves to is checked. Loopback, private, link-local, unique-local,
 *       carrier-grade NAT, multicast and unspecified addresses are refused unless the entry that allowed the
 *       host names it exactly (a name, literal or range, never a {@code *.} pattern) or, for loopback, the
 *       server itself is bound to loopback (a developer's machine, where Azurite runs beside it).</li>
 *   <li>The address checked is the address connected to ({@link PinnedResolver}), so DNS rebinding
 *       between the check and the connection cannot switch it.</li>
 * </ul>
 */
public final class BlobHostGuard {
    private final List<String> entries;
    private final boolean loopbackServer;
    private final Lookup lookup;

    /** Name resolution: the system's, or a test's. */
    interface Lookup {
        InetAddress[] addresses(String host) throws UnknownHostException;
    }

    /**
     * @param entries        allowed hosts, patterns, literals and ranges
     * @param loopbackServer true when the server listens on loopback only, so loopback blob hosts are allowed
     */
    public BlobHostGuard(List<String> entries, boolean loopbackServer) {
        this(entries, loopbackServer, InetAddress::getAllByName);
    }

    BlobHostGuard(List<String> entries, boolean loopbackServer, Lookup lookup) {
        this.entries = entries.stream().map(e -> e.trim().toLowerCase(Locale.ROOT)).filter(e -> !e.isEmpty()).toList();
        this.loopbackServer = loopbackServer;
        this.lookup = lookup;
    }

    /** The host's addresses, each allowed under the grant; fails when any is refused or there are none. */
    List<InetAddress> resolve(String host, Grant grant) throws UnknownHostException {
        InetAddress[] all = lookup.addresses(host);
        for (InetAddress a : all) {
            // One refused address refuses the host: a name that mixes public and internal addresses is an attack.
            if (!addressAllowed(a, grant)) throw new UnknownHostException("blob host address refused by the guard");
        }
        if (all.length == 0) throw new UnknownHostException("no address");
        return List.of(all);
    }

    /** How a host was allowed: not at all, by a pattern (public addresses only), or by name (any address). */
    enum Grant { NONE, PUBLIC_ONLY, EXPLICIT }

    /** Whether the host (and port, -1 for the scheme's default) matches an allowed entry, before any lookup. */
    Grant grant(String rawHost, int port) {
        String host = normalize(rawHost);
        if (host == null) return Grant.NONE;
        Grant best = Grant.NONE;
        for (String e : entries) {
            if (e.startsWith("*.")) {
                if (host.endsWith(e.substring(1)) && best == Grant.NONE) best = Grant.PUBLIC_ONLY;
            } else if (e.contains("/")) {
                InetAddress literal = literal(host);
                if (literal != null && inRange(literal, e)) return Grant.EXPLICIT;
            } else {
                String[] hp = splitPort(e);
                if (hp[0].equals(host) && (hp[1] == null || hp[1].equals(Integer.toString(port)))) return Grant.EXPLICIT;
            }
        }
        if (best == Grant.NONE && loopbackServer) {
            InetAddress literal = literal(host);
            if ((literal != null && literal.isLoopbackAddress()) || host.equals("localhost")) best = Grant.PUBLIC_ONLY;
        }
        return best;
    }

    /** True when the address may be connected to under the grant. */
    boolean addressAllowed(InetAddress a, Grant grant) {
        if (grant == Grant.NONE) return false;
        if (grant == Grant.EXPLICIT) return !a.isAnyLocalAddress() && !a.isMulticastAddress();
        if (a.isLoopbackAddress()) return loopbackServer;
        return !isInternal(a);
    }

    /** Addresses that are not on the public internet. */
    static boolean isInternal(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) return true;
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 || (first == 100 && second >= 64 && second < 128) || (first == 192 && second == 0)
                    || first >= 240 || (first == 198 && (second == 18 || second == 19));
        }
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) return true;                          // fc00::/7 unique local
            boolean mapped = true;                                          // ::ffff:a.b.c.d
            for (int i = 0; i < 10; i++) mapped &= b[i] == 0;
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return isInternal(InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The host in lower-case ASCII without brackets, or null when it is not a valid host name. */
    static String normalize(String rawHost) {
        if (rawHost == null || rawHost.isEmpty() || rawHost.length() > 253) return null;
        try {
            return IDN.toASCII(rawHost.replace("[", "").replace("]", ""), IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            // an IPv6 literal has colons, which STD3 rules refuse
            String h = rawHost.replace("[", "").replace("]", "").toLowerCase(Locale.ROOT);
            return h.matches("[0-9a-f:.]+") ? h : null;
        }
    }

    /** The address when {@code host} is an IP literal, without any lookup; else null. */
    static InetAddress literal(String host) {
        if (!host.matches("[0-9.]+|[0-9a-f:.]*:[0-9a-f:.]*")) return null;
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String[] splitPort(String entry) {
        int colon = entry.lastIndexOf(':');
        if (colon > 0 && entry.indexOf(':') == colon && entry.substring(colon + 1).matches("[0-9]{1,5}")) {
            return new String[]{entry.substring(0, colon), entry.substring(colon + 1)};
        }
        return new String[]{entry.replace("[", "").replace("]", ""), null};
    }

    static boolean inRange(InetAddress a, String cidr) {
        int slash = cidr.indexOf('/');
        InetAddress net = literal(cidr.substring(0, slash));
        if (net == null || net.getAddress().length != a.getAddress().length) return false;
        int bits;
        try {
            bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        byte[] x = a.getAddress();
        byte[] y = net.getAddress();
        for (int i = 0; i < x.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((x[i] & mask) != (y[i] & mask)) return false;
        }
        return true;
    }
}
