package dev.iolite.server.hubapi;

import dev.iolite.server.auth.HubAuthenticator;
import dev.iolite.server.hubs.Right;
import dev.iolite.server.http.WebServer;
import dev.iolite.server.hubs.Hub;
import dev.iolite.server.throttle.HubRateLimiter;
import dev.iolite.server.throttle.Operation;
import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * The hub API's route table (https://learn.microsoft.com/rest/api/iothub/service). Every route authenticates with a
 * SAS token first, then counts
 * against its hub's throttle for its operation class (which lets every call pass unless {@code --throttle}
 * is on); statistics are not throttled.
 */
public final class HubRoutes implements WebServer.RouteTable {
    private final HubAuthenticator auth;
    private final DevicesHandler devices;
    private final TwinsHandler twins;
    private final JobsHandler jobs;
    private final MethodsHandler methods;
    private final MessagesHandler messages;
    private final CloudMessagesHandler cloud;
    private final ConfigurationsHandler configurations;
    private final ScheduledJobsHandler scheduled;
    private final HubRateLimiter limiter;

    public HubRoutes(HubAuthenticator auth, DevicesHandler devices, TwinsHandler twins, JobsHandler jobs,
                     MethodsHandler methods, MessagesHandler messages, CloudMessagesHandler cloud,
                     ConfigurationsHandler configurations, ScheduledJobsHandler scheduled, HubRateLimiter limiter) {
        this.configurations = configurations;
        this.scheduled = scheduled;
        this.methods = methods;
        this.cloud = cloud;
        this.messages = messages;
        this.auth = auth;
        this.limiter = limiter;
        this.devices = devices;
        this.twins = twins;
        this.jobs = jobs;
    }

    @Override
    public void addRoutes(Javalin app) {
        // statistics
        app.get("/statistics/devices", ctx -> devices.statistics(ctx, hub(ctx, Right.REGISTRY_READ, null)));
        app.get("/statistics/service", ctx -> devices.serviceStatistics(ctx, hub(ctx, Right.SERVICE_CONNECT, null)));
        // device identities: list, bulk, get, create/update, delete
        app.get("/devices", ctx -> devices.list(ctx, hub(ctx, Right.REGISTRY_READ, Operation.REGISTRY)));
        app.post("/devices", ctx -> {
            // each device of the array counts, as on IoT Hub, once the array is read
            Hub hub = hub(ctx, Right.REGISTRY_WRITE, null);
            devices.bulk(ctx, hub, n -> limiter.admit(hub.name(), Operation.REGISTRY, n));
        });
        // the registry query, for "SELECT * FROM devices" only: twins a page at a time
        app.post("/devices/query", ctx -> devices.query(ctx, hub(ctx, Right.SERVICE_CONNECT, Operation.QUERY)));
        app.get("/devices/{id}", ctx -> devices.get(ctx, hub(ctx, Right.REGISTRY_READ, Operation.REGISTRY)));
        app.put("/devices/{id}", ctx -> devices.put(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.REGISTRY)));
        app.delete("/devices/{id}", ctx -> devices.delete(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.REGISTRY)));
        // module identities
        app.get("/devices/{id}/modules", ctx -> devices.listModules(ctx, hub(ctx, Right.REGISTRY_READ, Operation.REGISTRY)));
        app.get("/devices/{id}/modules/{mid}", ctx -> devices.get(ctx, hub(ctx, Right.REGISTRY_READ, Operation.REGISTRY)));
        app.put("/devices/{id}/modules/{mid}", ctx -> devices.put(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.REGISTRY)));
        app.delete("/devices/{id}/modules/{mid}", ctx -> devices.delete(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.REGISTRY)));
        // twins of devices and modules: read, replace, merge
        app.get("/twins/{id}", ctx -> twins.get(ctx, hub(ctx, Right.SERVICE_CONNECT, Operation.TWIN_READ)));
        app.put("/twins/{id}", ctx -> twins.write(ctx, hub(ctx, Right.SERVICE_CONNECT, Operation.TWIN_UPDATE), false));
        app.patch("/twins/{id}", ctx -> twins.write(ctx, hub(ctx, Right.SERVICE_CONNECT, Operation.TWIN_UPDATE), true));
        app.get("/twins/{id}/modules/{mid}", ctx -> twins.get(ctx, hub(ctx, Right.SERVICE_CONNECT, Operation.TWIN_READ)));
        app.put("/twins/{id}/modules/{mid}", ctx -> twins.write(ctx, hub(ctx, Right.SERVICE_CONNECT, Operation.TWIN_UPDATE), false));
        app.patch("/twins/{id}/modules/{mid}", ctx -> twins.write(ctx, hub(ctx, Right.SERVICE_CONNECT, Operation.TWIN_UPDATE), true));
        // direct methods of devices and modules; each started 4 KB of the call counts, as on IoT Hub
        app.post("/twins/{id}/methods", ctx -> invokeMethod(ctx));
        app.post("/twins/{id}/modules/{mid}/methods", ctx -> invokeMethod(ctx));
        // import/export jobs: create, list, get, cancel
        app.post("/jobs/create", ctx -> jobs.create(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.JOBS)));
        app.get("/jobs", ctx -> jobs.list(ctx, hub(ctx, Right.REGISTRY_READ, Operation.JOBS)));
        app.get("/jobs/{id}", ctx -> jobs.get(ctx, hub(ctx, Right.REGISTRY_READ, Operation.JOBS)));
        app.delete("/jobs/{id}", ctx -> jobs.cancel(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.JOBS)));
        // scheduled jobs (jobs v2): the query first, so that its path is not taken for a job id
        app.get("/jobs/v2/query", ctx -> scheduled.query(ctx, hub(ctx, Right.REGISTRY_READ, Operation.JOBS)));
        app.put("/jobs/v2/{id}", ctx -> scheduled.put(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.JOBS)));
        app.get("/jobs/v2/{id}", ctx -> scheduled.get(ctx, hub(ctx, Right.REGISTRY_READ, Operation.JOBS)));
        app.post("/jobs/v2/{id}/cancel", ctx -> scheduled.cancel(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.JOBS)));
        // configurations (automatic device management, IoT Edge deployments)
        app.get("/configurations", ctx -> configurations.list(ctx, hub(ctx, Right.REGISTRY_READ, Operation.CONFIGURATIONS)));
        app.post("/configurations/testQueries", ctx -> configurations.testQueries(ctx, hub(ctx, Right.REGISTRY_READ, Operation.CONFIGURATIONS)));
        app.get("/configurations/{id}", ctx -> configurations.get(ctx, hub(ctx, Right.REGISTRY_READ, Operation.CONFIGURATIONS)));
        app.put("/configurations/{id}", ctx -> configurations.put(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.CONFIGURATIONS)));
        app.delete("/configurations/{id}", ctx -> configurations.delete(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.CONFIGURATIONS)));
        // an IoT Edge deployment's modulesContent written to one edge device's module twins
        app.post("/devices/{id}/applyConfigurationContent", ctx -> configurations.applyContent(ctx, hub(ctx, Right.REGISTRY_WRITE, Operation.CONFIGURATIONS)));
        // beyond IoT Hub: the built-in endpoint's messages after a cursor, waiting for new ones (iolite messages tail)
        app.get(MessagesHandler.PATH, ctx -> messages.tail(ctx, hub(ctx, Right.SERVICE_CONNECT, null)));
        // cloud-to-device messages: purge a device's queue; beyond IoT Hub, send one over HTTPS (iolite device send)
        app.delete("/devices/{id}/commands", ctx -> cloud.purge(ctx, hub(ctx, Right.SERVICE_CONNECT, null)));
        app.post(CloudMessagesHandler.SEND_PATH, ctx -> cloud.send(ctx, hub(ctx, Right.SERVICE_CONNECT, null)));
    }

    private void invokeMethod(Context ctx) {
        Hub hub = hub(ctx, Right.SERVICE_CONNECT, null);
        methods.invoke(ctx, hub, units -> limiter.admit(hub.name(), Operation.METHODS, units));
    }

    /** The hub the caller holds {@code needed} on, after counting one {@code op} against it (null: none). */
    private Hub hub(Context ctx, Right needed, Operation op) {
        Hub hub = auth.authenticate(ctx.header("Authorization"), ctx.header("Host"), ctx.path(), needed);
        if (op != null) limiter.admit(hub.name(), op, 1);
        return hub;
    }
}
