package dev.iolite.server.arm;

import dev.iolite.server.auth.ArmTokens;
import dev.iolite.server.http.WebServer;
import dev.iolite.server.errors.ErrorCode;
import dev.iolite.server.errors.IoliteException;
import dev.iolite.server.throttle.HubRateLimiter;
import dev.iolite.server.throttle.Operation;
import io.javalin.http.Handler;
import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * The ARM surface's route table (https://learn.microsoft.com/rest/api/iothub/iot-hub-resource). Paths are registered
 * in lower case and matched
 * case-insensitively; every route needs a bearer token and an {@code api-version} (any value).
 */
public final class ArmRoutes implements WebServer.RouteTable {
    private static final String SUB = "/subscriptions/{sub}";
    private static final String HUBS = "/providers/microsoft.devices/iothubs";
    private static final String P = SUB + "/resourcegroups/{rg}" + HUBS + "/{hub}";

    private final ArmTokens tokens;
    private final ArmHubsHandler hubs;
    private final ArmJobsHandler jobs;
    private final ArmConsumerGroupsHandler consumerGroups;
    private final HubRateLimiter limiter;

    public ArmRoutes(ArmTokens tokens, ArmHubsHandler hubs, ArmJobsHandler jobs, ArmConsumerGroupsHandler consumerGroups,
                     HubRateLimiter limiter) {
        this.tokens = tokens;
        this.consumerGroups = consumerGroups;
        this.limiter = limiter;
        this.hubs = hubs;
        this.jobs = jobs;
    }

    @Override
    public void addRoutes(Javalin app) {
        app.before("/subscriptions/*", this::authenticate);
        // list hubs of a subscription, of a resource group
        app.get(SUB + HUBS, hubs::listBySubscription);
        app.get(SUB + "/resourcegroups/{rg}" + HUBS, hubs::listByResourceGroup);
        // get, create or update, delete a hub
        app.get(P, hubs::get);
        app.put(P, hubs::createOrUpdate);
        app.patch(P, hubs::updateTags);
        app.delete(P, hubs::delete);
        // keys: all policies, one policy
        app.post(P + "/listkeys", hubs::listKeys);
        app.post(P + "/iothubkeys/{keyname}/listkeys", hubs::keyForName);
        // registry statistics and quota metrics
        app.get(P + "/iothubstats", hubs::stats);
        app.get(P + "/quotametrics", hubs::quotaMetrics);
        // bulk device operations: export, import, list jobs, get a job (the hub's jobs throttle counts them)
        app.post(P + "/exportdevices", throttled(jobs::exportDevices));
        app.post(P + "/importdevices", throttled(jobs::importDevices));
        app.get(P + "/jobs", throttled(jobs::listJobs));
        app.get(P + "/jobs/{jobid}", throttled(jobs::getJob));
        // consumer groups of the built-in endpoint
        app.get(P + "/eventhubendpoints/{endpoint}/consumergroups", consumerGroups::list);
        app.get(P + "/eventhubendpoints/{endpoint}/consumergroups/{name}", consumerGroups::get);
        app.put(P + "/eventhubendpoints/{endpoint}/consumergroups/{name}", consumerGroups::create);
        app.delete(P + "/eventhubendpoints/{endpoint}/consumergroups/{name}", consumerGroups::delete);
    }

    /** A jobs operation of the hub in the path, counted against that hub's jobs throttle first. */
    private Handler throttled(Handler handler) {
        return ctx -> {
            limiter.admit(ctx.pathParam("hub"), Operation.JOBS, 1);
            handler.handle(ctx);
        };
    }

    private void authenticate(Context ctx) {
        tokens.verify(ctx.header("Authorization"));
        String apiVersion = ctx.queryParam("api-version");
        if (apiVersion == null || apiVersion.isBlank()) {
            throw new IoliteException(ErrorCode.ARGUMENT_NULL, "the 'api-version' query parameter is required");
        }
    }
}
