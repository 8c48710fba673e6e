package dev.iolite.server.hubapi;

import dev.iolite.server.auth.HubAuthenticator;
import dev.iolite.server.hubs.Right;
import dev.iolite.server.http.WebServer;
import dev.iolite.server.hubs.Hub;
import io.javalin.Javalin;
import io.javalin.http.Context;

/** The hub API's route table (SPEC §2.2). Every route authenticates with a SAS token first. */
public final class HubRoutes implements WebServer.RouteTable {
    private final HubAuthenticator auth;
    private final DevicesHandler devices;
    private final TwinsHandler twins;
    private final JobsHandler jobs;

    public HubRoutes(HubAuthenticator auth, DevicesHandler devices, TwinsHandler twins, JobsHandler jobs) {
        this.auth = auth;
        this.devices = devices;
        this.twins = twins;
        this.jobs = jobs;
    }

    @Override
    public void addRoutes(Javalin app) {
        // statistics
        app.get("/statistics/devices", ctx -> devices.statistics(ctx, hub(ctx, Right.REGISTRY_READ)));
        app.get("/statistics/service", ctx -> devices.serviceStatistics(ctx, hub(ctx, Right.SERVICE_CONNECT)));
        // device identities: list, bulk, get, create/update, delete
        app.get("/devices", ctx -> devices.list(ctx, hub(ctx, Right.REGISTRY_READ)));
        app.post("/devices", ctx -> devices.bulk(ctx, hub(ctx, Right.REGISTRY_WRITE)));
        // the registry query, for "SELECT * FROM devices" only: twins a page at a time
        app.post("/devices/query", ctx -> devices.query(ctx, hub(ctx, Right.SERVICE_CONNECT)));
        app.get("/devices/{id}", ctx -> devices.get(ctx, hub(ctx, Right.REGISTRY_READ)));
        app.put("/devices/{id}", ctx -> devices.put(ctx, hub(ctx, Right.REGISTRY_WRITE)));
        app.delete("/devices/{id}", ctx -> devices.delete(ctx, hub(ctx, Right.REGISTRY_WRITE)));
        // module identities
        app.get("/devices/{id}/modules", ctx -> devices.listModules(ctx, hub(ctx, Right.REGISTRY_READ)));
        app.get("/devices/{id}/modules/{mid}", ctx -> devices.get(ctx, hub(ctx, Right.REGISTRY_READ)));
        app.put("/devices/{id}/modules/{mid}", ctx -> devices.put(ctx, hub(ctx, Right.REGISTRY_WRITE)));
        app.delete("/devices/{id}/modules/{mid}", ctx -> devices.delete(ctx, hub(ctx, Right.REGISTRY_WRITE)));
        // twins of devices and modules: read, replace, merge
        app.get("/twins/{id}", ctx -> twins.get(ctx, hub(ctx, Right.SERVICE_CONNECT)));
        app.put("/twins/{id}", ctx -> twins.write(ctx, hub(ctx, Right.SERVICE_CONNECT), false));
        app.patch("/twins/{id}", ctx -> twins.write(ctx, hub(ctx, Right.SERVICE_CONNECT), true));
        app.get("/twins/{id}/modules/{mid}", ctx -> twins.get(ctx, hub(ctx, Right.SERVICE_CONNECT)));
        app.put("/twins/{id}/modules/{mid}", ctx -> twins.write(ctx, hub(ctx, Right.SERVICE_CONNECT), false));
        app.patch("/twins/{id}/modules/{mid}", ctx -> twins.write(ctx, hub(ctx, Right.SERVICE_CONNECT), true));
        // import/export jobs: create, list, get, cancel
        app.post("/jobs/create", ctx -> jobs.create(ctx, hub(ctx, Right.REGISTRY_WRITE)));
        app.get("/jobs", ctx -> jobs.list(ctx, hub(ctx, Right.REGISTRY_READ)));
        app.get("/jobs/{id}", ctx -> jobs.get(ctx, hub(ctx, Right.REGISTRY_READ)));
        app.delete("/jobs/{id}", ctx -> jobs.cancel(ctx, hub(ctx, Right.REGISTRY_WRITE)));
    }

    private Hub hub(Context ctx, Right needed) {
        return auth.authenticate(ctx.header("Authorization"), ctx.header("Host"), ctx.path(), needed);
    }
}
