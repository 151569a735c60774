package dev.notify.push;

import dev.notify.InvalidRequestException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Which endpoints the channel may POST to. Endpoints come from browsers, that is from users: an
 * endpoint on the server's own network would turn the channel into a request forger (SSRF), so
 * hosts that resolve to loopback, private, link-local, unspecified or multicast addresses are
 * refused unless {@link PushSettings#allowPrivateEndpoints()}. Checked when subscribing and again
 * before each delivery (DNS answers change).
 */
final class EndpointPolicy {
    private final boolean allowHttp;
    private final boolean allowPrivate;

    EndpointPolicy(boolean allowHttp, boolean allowPrivate) {
        this.allowHttp = allowHttp;
        this.allowPrivate = allowPrivate;
    }

    /**
     * Checks scheme and addresses, resolving the host.
     *
     * @throws InvalidRequestException {@code invalid_endpoint} naming the problem
     */
    void check(URI endpoint) {
        String problem = schemeProblem(endpoint);
        if (problem == null) {
            try {
                problem = addressProblem(endpoint);
            } catch (UnknownHostException e) {
                problem = "host '" + endpoint.getHost() + "' does not resolve";
            }
        }
        if (problem != null) {
            throw new InvalidRequestException("invalid_endpoint", "endpoint " + problem);
        }
    }

    /** Why the scheme is refused, or null. */
    String schemeProblem(URI endpoint) {
        String scheme = endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https") || (allowHttp && scheme.equals("http"))) {
            return null;
        }
        return "must be an https URL but was " + scheme + "://" + endpoint.getHost()
                + "/... (plain http is allowed only with PushSettings.allowHttp)";
    }

    /**
     * Why the host's addresses are refused, or null.
     *
     * @throws UnknownHostException if the host does not resolve
     */
    String addressProblem(URI endpoint) throws UnknownHostException {
        if (allowPrivate) {
            return null;
        }
        for (InetAddress address : InetAddress.getAllByName(endpoint.getHost())) {
            String kind = forbiddenKind(address);
            if (kind != null) {
                return "host '" + endpoint.getHost() + "' resolves to " + kind + " address "
                        + address.getHostAddress() + ", which is refused (PushSettings.allowPrivateEndpoints)";
            }
        }
        return null;
    }

    /** What kind of non-public address this is, or null for a public unicast one. */
    static String forbiddenKind(InetAddress a) {
        if (a.isAnyLocalAddress()) {
            return "an unspecified";
        }
        if (a.isLoopbackAddress()) {
            return "a loopback";
        }
        if (a.isLinkLocalAddress()) {
            return "a link-local";
        }
        if (a.isSiteLocalAddress()) {
            return "a private";
        }
        if (a.isMulticastAddress()) {
            return "a multicast";
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 0) {
                return "an unspecified"; // 0.0.0.0/8, "this network"
            }
            if (first == 100 && second >= 64 && second <= 127) {
                return "a private"; // 100.64.0.0/10, carrier-grade NAT (RFC 6598)
            }
            if (first == 255 && second == 255 && (b[2] & 0xff) == 255 && (b[3] & 0xff) == 255) {
                return "a broadcast";
            }
        }
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return "a private"; // fc00::/7, unique local (RFC 4193)
            }
            if (isMappedOrCompatibleV4(b)) {
                try {
                    return forbiddenKind(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
                } catch (UnknownHostException e) {
                    return "an unparseable";
                }
            }
        }
        return null;
    }

    /** ::ffff:a.b.c.d (mapped) or ::a.b.c.d (compatible): judge the IPv4 address inside. */
    private static boolean isMappedOrCompatibleV4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0);
    }
}
