package dev.iolite.server.blob;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.resolver.InetSocketAddressResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The name resolver of the blob clients' connections: it resolves a host, keeps only the addresses the
 * guard allows, and hands exactly those to the connection, so the address checked is the address
 * connected to (no second lookup that DNS rebinding could answer differently).
 */
final class PinnedResolver extends AddressResolverGroup<InetSocketAddress> {
    private final BlobHostGuard guard;
    private final BlobHostGuard.Grant grant;

    PinnedResolver(BlobHostGuard guard, BlobHostGuard.Grant grant) {
        this.guard = guard;
        this.grant = grant;
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new InetSocketAddressResolver(executor, new InetNameResolver(executor) {
            @Override
            protected void doResolve(String host, Promise<InetAddress> promise) {
                try {
                    promise.setSuccess(allowed(host).get(0));
                } catch (UnknownHostException e) {
                    promise.setFailure(e);
                }
            }

            @Override
            protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
                try {
                    promise.setSuccess(allowed(host));
                } catch (UnknownHostException e) {
                    promise.setFailure(e);
                }
            }
        });
    }

    /** The host's addresses that the guard allows; fails when there are none, or when any is refused. */
    List<InetAddress> allowed(String host) throws UnknownHostException {
        return guard.resolve(host, grant);
    }
}
