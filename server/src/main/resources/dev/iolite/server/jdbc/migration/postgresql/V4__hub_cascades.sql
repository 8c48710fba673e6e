-- A hub's policies, counters and jobs belong to it: deleting the hub row deletes them in the same
-- transaction. Rows left by hubs deleted before this migration are removed first (they leaked the
-- old hub's job history to a hub re-created under its name). Devices keep no foreign key: the import
-- writes them at 100,000 rows a second, and the hub deletion removes them explicitly.
DELETE FROM hub_policies WHERE hub NOT IN (SELECT name FROM hubs);
DELETE FROM hub_stats WHERE hub NOT IN (SELECT name FROM hubs);
DELETE FROM jobs WHERE hub NOT IN (SELECT name FROM hubs);
DELETE FROM devices d WHERE NOT EXISTS (SELECT 1 FROM hubs h WHERE h.name = d.hub COLLATE "C");

ALTER TABLE hub_policies ADD CONSTRAINT hub_policies_of_hub
    FOREIGN KEY (hub) REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE hub_stats ADD CONSTRAINT hub_stats_of_hub
    FOREIGN KEY (hub) REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE jobs ADD CONSTRAINT jobs_of_hub
    FOREIGN KEY (hub) REFERENCES hubs (name) ON DELETE CASCADE ON UPDATE CASCADE;
