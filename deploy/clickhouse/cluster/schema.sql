-- sundflow: the ClickHouse schema for a cluster. GENERATED from the
-- projector's migrations (pkg/store/migrations) by deploy/clickhouse_test.go:
--   go test ./deploy -run TestClusterSchema -update
-- Do not edit; change the migrations and regenerate.
--
-- Cluster "sundflow" (config.d/cluster.xml): each table T of the migrations
-- is T_local (Replicated*MergeTree on every replica; ZooKeeper or
-- ClickHouse Keeper path /clickhouse/tables/{shard}/sundflow/T_local) plus T,
-- a Distributed table over T_local sharded by cityHash64(source, id): all
-- copies of an event land on one shard, where ReplacingMergeTree and
-- FINAL collapse them. The views keep their names and read the
-- Distributed tables; the projector and the dashboard use the same names
-- as on one server. Apply with
--   clickhouse-client --multiquery < schema.sql
-- then start the projector (its own migrations find every table there).
-- The settings this needs (insert_quorum, insert_distributed_sync,
-- distributed_product_mode) are in users.d/cluster-profile.xml.

-- from 0001_tables.sql

CREATE DATABASE IF NOT EXISTS sundflow ON CLUSTER sundflow;

CREATE TABLE IF NOT EXISTS sundflow.events_local ON CLUSTER sundflow
(
    source String,
    id String,
    type String,
    specversion String,
    subject String,
    time DateTime('UTC'),
    time_ns UInt32,
    datacontenttype String,
    dataschema String,
    extension_names Array(String),
    extension_values Array(String),
    data String,
    nats_subject String,
    seq UInt64,
    received DateTime('UTC'),
    projected DateTime('UTC') DEFAULT now()
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/sundflow/events_local', '{replica}', seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS sundflow.events ON CLUSTER sundflow AS sundflow.events_local
ENGINE = Distributed(sundflow, sundflow, events_local, cityHash64(source, id));

CREATE TABLE IF NOT EXISTS sundflow.vacancies_published_local ON CLUSTER sundflow
(
    source String,
    id String,
    seq UInt64,
    time DateTime('UTC'),
    received DateTime('UTC'),
    vacancy_id String,
    title String,
    employer_country String,
    employer_registration_number String,
    employer_name String,
    work_country String,
    work_municipality String,
    isco String,
    isco_major String,
    disco String,
    ssyk String,
    sector String,
    positions UInt32,
    cross_border UInt8,
    published_date Date,
    deadline_date Nullable(Date),
    projects Array(String)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/sundflow/vacancies_published_local', '{replica}', seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS sundflow.vacancies_published ON CLUSTER sundflow AS sundflow.vacancies_published_local
ENGINE = Distributed(sundflow, sundflow, vacancies_published_local, cityHash64(source, id));

CREATE TABLE IF NOT EXISTS sundflow.vacancies_closed_local ON CLUSTER sundflow
(
    source String,
    id String,
    seq UInt64,
    time DateTime('UTC'),
    received DateTime('UTC'),
    vacancy_id String,
    reason String,
    closed_date Date,
    published_date Nullable(Date),
    positions Nullable(UInt32),
    positions_filled UInt32
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/sundflow/vacancies_closed_local', '{replica}', seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS sundflow.vacancies_closed ON CLUSTER sundflow AS sundflow.vacancies_closed_local
ENGINE = Distributed(sundflow, sundflow, vacancies_closed_local, cityHash64(source, id));

CREATE TABLE IF NOT EXISTS sundflow.fairs_scheduled_local ON CLUSTER sundflow
(
    source String,
    id String,
    seq UInt64,
    time DateTime('UTC'),
    received DateTime('UTC'),
    fair_id String,
    kind String,
    title String,
    fair_date Date,
    end_date Nullable(Date),
    country String,
    municipality String,
    sector String,
    organisers Array(String),
    capacity Nullable(UInt32),
    projects Array(String)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/sundflow/fairs_scheduled_local', '{replica}', seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS sundflow.fairs_scheduled ON CLUSTER sundflow AS sundflow.fairs_scheduled_local
ENGINE = Distributed(sundflow, sundflow, fairs_scheduled_local, cityHash64(source, id));

CREATE TABLE IF NOT EXISTS sundflow.fair_signups_local ON CLUSTER sundflow
(
    source String,
    id String,
    seq UInt64,
    time DateTime('UTC'),
    received DateTime('UTC'),
    fair_id String,
    action String,
    action_date Date,
    participant String,
    pseudonym String,
    residence_country String,
    residence_municipality String,
    employer_country String,
    employer_registration_number String,
    employer_name String,
    projects Array(String)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/sundflow/fair_signups_local', '{replica}', seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS sundflow.fair_signups ON CLUSTER sundflow AS sundflow.fair_signups_local
ENGINE = Distributed(sundflow, sundflow, fair_signups_local, cityHash64(source, id));

CREATE TABLE IF NOT EXISTS sundflow.course_completions_local ON CLUSTER sundflow
(
    source String,
    id String,
    seq UInt64,
    time DateTime('UTC'),
    received DateTime('UTC'),
    course_id String,
    run_id String,
    title String,
    provider String,
    sector String,
    pseudonym String,
    residence_country String,
    residence_municipality String,
    hours Float64,
    completed_date Date,
    status String,
    projects Array(String)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/sundflow/course_completions_local', '{replica}', seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS sundflow.course_completions ON CLUSTER sundflow AS sundflow.course_completions_local
ENGINE = Distributed(sundflow, sundflow, course_completions_local, cityHash64(source, id));

CREATE TABLE IF NOT EXISTS sundflow.placements_started_local ON CLUSTER sundflow
(
    source String,
    id String,
    seq UInt64,
    time DateTime('UTC'),
    received DateTime('UTC'),
    placement_id String,
    pseudonym String,
    residence_country String,
    residence_municipality String,
    work_country String,
    work_municipality String,
    direction String,
    employer_country String,
    employer_registration_number String,
    employer_name String,
    sector String,
    isco String,
    isco_major String,
    disco String,
    ssyk String,
    kind String,
    status_before String,
    start_date Date,
    planned_end_date Nullable(Date),
    projects Array(String)
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/sundflow/placements_started_local', '{replica}', seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS sundflow.placements_started ON CLUSTER sundflow AS sundflow.placements_started_local
ENGINE = Distributed(sundflow, sundflow, placements_started_local, cityHash64(source, id));

CREATE TABLE IF NOT EXISTS sundflow.placements_ended_local ON CLUSTER sundflow
(
    source String,
    id String,
    seq UInt64,
    time DateTime('UTC'),
    received DateTime('UTC'),
    placement_id String,
    pseudonym String,
    start_date Nullable(Date),
    end_date Date,
    reason String
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/sundflow/placements_ended_local', '{replica}', seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS sundflow.placements_ended ON CLUSTER sundflow AS sundflow.placements_ended_local
ENGINE = Distributed(sundflow, sundflow, placements_ended_local, cityHash64(source, id));

CREATE TABLE IF NOT EXISTS sundflow.retractions_local ON CLUSTER sundflow
(
    source String,
    id String,
    seq UInt64,
    time DateTime('UTC'),
    received DateTime('UTC'),
    retracted_source String,
    retracted_id String,
    reason String
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/sundflow/retractions_local', '{replica}', seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS sundflow.retractions ON CLUSTER sundflow AS sundflow.retractions_local
ENGINE = Distributed(sundflow, sundflow, retractions_local, cityHash64(source, id));

-- from 0002_views.sql

CREATE VIEW IF NOT EXISTS sundflow.retractions_current ON CLUSTER sundflow AS
SELECT source, id, seq, time, received, retracted_source, retracted_id, reason
FROM sundflow.retractions FINAL
WHERE retracted_source = source
  AND (source, id) NOT IN
  (
      SELECT retracted_source, retracted_id
      FROM sundflow.retractions FINAL
      WHERE retracted_source = source
  );

CREATE VIEW IF NOT EXISTS sundflow.events_current ON CLUSTER sundflow AS
SELECT source, id, type, specversion, subject, time, time_ns, datacontenttype, dataschema,
       extension_names, extension_values, data, nats_subject, seq, received, projected
FROM sundflow.events FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM sundflow.retractions_current);

CREATE VIEW IF NOT EXISTS sundflow.vacancies_published_current ON CLUSTER sundflow AS
SELECT source, id, seq, time, received, vacancy_id, title, employer_country, employer_registration_number,
       employer_name, work_country, work_municipality, isco, isco_major, disco, ssyk, sector, positions,
       cross_border, published_date, deadline_date, projects
FROM sundflow.vacancies_published FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM sundflow.retractions_current);

CREATE VIEW IF NOT EXISTS sundflow.vacancies_closed_current ON CLUSTER sundflow AS
SELECT source, id, seq, time, received, vacancy_id, reason, closed_date, published_date, positions, positions_filled
FROM sundflow.vacancies_closed FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM sundflow.retractions_current);

CREATE VIEW IF NOT EXISTS sundflow.fairs_scheduled_current ON CLUSTER sundflow AS
SELECT source, id, seq, time, received, fair_id, kind, title, fair_date, end_date, country, municipality,
       sector, organisers, capacity, projects
FROM sundflow.fairs_scheduled FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM sundflow.retractions_current);

CREATE VIEW IF NOT EXISTS sundflow.fair_signups_current ON CLUSTER sundflow AS
SELECT source, id, seq, time, received, fair_id, action, action_date, participant, pseudonym,
       residence_country, residence_municipality, employer_country, employer_registration_number,
       employer_name, projects
FROM sundflow.fair_signups FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM sundflow.retractions_current);

CREATE VIEW IF NOT EXISTS sundflow.course_completions_current ON CLUSTER sundflow AS
SELECT source, id, seq, time, received, course_id, run_id, title, provider, sector, pseudonym,
       residence_country, residence_municipality, hours, completed_date, status, projects
FROM sundflow.course_completions FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM sundflow.retractions_current);

CREATE VIEW IF NOT EXISTS sundflow.placements_started_current ON CLUSTER sundflow AS
SELECT source, id, seq, time, received, placement_id, pseudonym, residence_country, residence_municipality,
       work_country, work_municipality, direction, employer_country, employer_registration_number,
       employer_name, sector, isco, isco_major, disco, ssyk, kind, status_before, start_date,
       planned_end_date, projects
FROM sundflow.placements_started FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM sundflow.retractions_current);

CREATE VIEW IF NOT EXISTS sundflow.placements_ended_current ON CLUSTER sundflow AS
SELECT source, id, seq, time, received, placement_id, pseudonym, start_date, end_date, reason
FROM sundflow.placements_ended FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM sundflow.retractions_current);

CREATE VIEW IF NOT EXISTS sundflow.placements_current ON CLUSTER sundflow AS
SELECT source, placement_id, event_id, pseudonym, residence_country, residence_municipality,
       work_country, work_municipality, direction, employer_country, employer_registration_number,
       employer_name, sector, isco, isco_major, disco, ssyk, kind, status_before, start_date,
       start_month, planned_end_date, end_date, end_reason, projects
FROM
(
    SELECT source, placement_id, id AS event_id, pseudonym, residence_country, residence_municipality,
           work_country, work_municipality, direction, employer_country, employer_registration_number,
           employer_name, sector, isco, isco_major, disco, ssyk, kind, status_before, start_date,
           toStartOfMonth(start_date) AS start_month, planned_end_date, projects
    FROM sundflow.placements_started_current
    ORDER BY time DESC, seq DESC
    LIMIT 1 BY source, placement_id
)
ANY LEFT JOIN
(
    SELECT source, placement_id, toNullable(ended) AS end_date, toNullable(why) AS end_reason
    FROM
    (
        SELECT source, placement_id, end_date AS ended, reason AS why
        FROM sundflow.placements_ended_current
        ORDER BY time DESC, seq DESC
        LIMIT 1 BY source, placement_id
    )
) USING (source, placement_id);

CREATE VIEW IF NOT EXISTS sundflow.vacancies_current ON CLUSTER sundflow AS
SELECT source, vacancy_id, event_id, title, employer_country, employer_registration_number, employer_name,
       work_country, work_municipality, isco, isco_major, disco, ssyk, sector, positions, cross_border,
       published_date, deadline_date, projects, closed_date, close_reason, positions_filled,
       if(isNull(closed_date), 'open', 'closed') AS status,
       dateDiff('day', published_date, closed_date) AS days_open
FROM
(
    SELECT source, vacancy_id, id AS event_id, title, employer_country, employer_registration_number,
           employer_name, work_country, work_municipality, isco, isco_major, disco, ssyk, sector,
           positions, cross_border, published_date, deadline_date, projects
    FROM sundflow.vacancies_published_current
    ORDER BY time DESC, seq DESC
    LIMIT 1 BY source, vacancy_id
)
ANY LEFT JOIN
(
    SELECT source, vacancy_id, toNullable(closed) AS closed_date, toNullable(why) AS close_reason,
           toNullable(filled) AS positions_filled
    FROM
    (
        SELECT source, vacancy_id, closed_date AS closed, reason AS why, positions_filled AS filled
        FROM sundflow.vacancies_closed_current
        ORDER BY time DESC, seq DESC
        LIMIT 1 BY source, vacancy_id
    )
) USING (source, vacancy_id);

CREATE VIEW IF NOT EXISTS sundflow.fairs_current ON CLUSTER sundflow AS
SELECT source, fair_id, id AS event_id, kind, title, fair_date, end_date, country, municipality, sector,
       organisers, capacity, projects
FROM sundflow.fairs_scheduled_current
ORDER BY time DESC, seq DESC
LIMIT 1 BY fair_id;

CREATE VIEW IF NOT EXISTS sundflow.fair_participants ON CLUSTER sundflow AS
SELECT fair_id, participant, participant_key,
       any(participant_country) AS country,
       argMax(action, tuple(action_date, time, seq)) AS last_action,
       max(action = 'attended') AS attended,
       min(action_date) AS first_action_date
FROM
(
    SELECT fair_id, participant, action, action_date, time, seq,
           if(participant = 'person', pseudonym,
              concat(employer_country, ':', if(employer_registration_number != '', employer_registration_number, employer_name))) AS participant_key,
           if(participant = 'person', residence_country, employer_country) AS participant_country
    FROM sundflow.fair_signups_current
)
GROUP BY fair_id, participant, participant_key;

CREATE VIEW IF NOT EXISTS sundflow.commuters_by_direction ON CLUSTER sundflow AS
SELECT direction, residence_country, work_country,
       uniqExact(pseudonym) AS people,
       count() AS placements,
       min(start_date) AS first_start_date,
       max(start_date) AS last_start_date
FROM sundflow.placements_current
WHERE residence_country != work_country
GROUP BY direction, residence_country, work_country;

CREATE VIEW IF NOT EXISTS sundflow.commuters_by_direction_month ON CLUSTER sundflow AS
SELECT direction, residence_country, work_country, month, people, new_people, placements
FROM
(
    SELECT direction, residence_country, work_country, start_month AS month,
           uniqExact(pseudonym) AS people, count() AS placements
    FROM sundflow.placements_current
    WHERE residence_country != work_country
    GROUP BY direction, residence_country, work_country, month
)
ANY LEFT JOIN
(
    SELECT direction, toStartOfMonth(first_start) AS month, count() AS new_people
    FROM
    (
        SELECT direction, pseudonym, min(start_date) AS first_start
        FROM sundflow.placements_current
        WHERE residence_country != work_country
        GROUP BY direction, pseudonym
    )
    GROUP BY direction, month
) USING (direction, month);

CREATE VIEW IF NOT EXISTS sundflow.placements_by_status_before ON CLUSTER sundflow AS
SELECT direction, toYear(start_date) AS year, status_before,
       count() AS placements, uniqExact(pseudonym) AS people
FROM sundflow.placements_current
GROUP BY direction, year, status_before;

CREATE VIEW IF NOT EXISTS sundflow.placements_by_occupation ON CLUSTER sundflow AS
SELECT direction, toYear(start_date) AS year, isco_major, isco, sector,
       count() AS placements, uniqExact(pseudonym) AS people
FROM sundflow.placements_current
GROUP BY direction, year, isco_major, isco, sector;

CREATE VIEW IF NOT EXISTS sundflow.vacancies_open_by_occupation_country ON CLUSTER sundflow AS
SELECT work_country, isco_major, isco, sector,
       count() AS vacancies, sum(positions) AS positions, sum(cross_border) AS cross_border_vacancies
FROM sundflow.vacancies_current
WHERE status = 'open'
GROUP BY work_country, isco_major, isco, sector;

CREATE VIEW IF NOT EXISTS sundflow.course_completions_by_sector_status ON CLUSTER sundflow AS
SELECT sector, status, toYear(completed_date) AS year,
       count() AS completions, uniqExact(pseudonym) AS people,
       uniqExact(course_id, run_id) AS course_runs, sum(hours) AS hours
FROM sundflow.course_completions_current
GROUP BY sector, status, year;

CREATE VIEW IF NOT EXISTS sundflow.course_runs_by_sector_year ON CLUSTER sundflow AS
SELECT sector, toYear(completed_date) AS year,
       uniqExact(course_id, run_id) AS course_runs, count() AS completions, uniqExact(pseudonym) AS people
FROM sundflow.course_completions_current
GROUP BY sector, year;

CREATE VIEW IF NOT EXISTS sundflow.fairs_by_sector_year ON CLUSTER sundflow AS
SELECT sector, kind, toYear(fair_date) AS year, count() AS fairs
FROM sundflow.fairs_current
GROUP BY sector, kind, year;

CREATE VIEW IF NOT EXISTS sundflow.fair_participation ON CLUSTER sundflow AS
SELECT fair_id, kind, title, fair_date, country, municipality, sector, projects,
       signed_up_people, attended_people, cancelled_people, signed_up_employers, attended_employers
FROM sundflow.fairs_current
ANY LEFT JOIN
(
    SELECT fair_id,
           countIf(participant = 'person' AND (attended = 1 OR last_action != 'cancelled')) AS signed_up_people,
           countIf(participant = 'person' AND attended = 1) AS attended_people,
           countIf(participant = 'person' AND attended = 0 AND last_action = 'cancelled') AS cancelled_people,
           countIf(participant = 'employer' AND (attended = 1 OR last_action != 'cancelled')) AS signed_up_employers,
           countIf(participant = 'employer' AND attended = 1) AS attended_employers
    FROM sundflow.fair_participants
    GROUP BY fair_id
) USING (fair_id);
