-- sundflow projection tables: one raw table of every event and one typed
-- table per event type, filled by the projector from the SUNDFLOW_EVENTS
-- stream. ${db} is the database (the live one, or a fresh one for replay).
--
-- Exactness: an event is identified by (source, id) (CloudEvents). Every
-- table is a ReplacingMergeTree keyed ORDER BY (source, id) with the
-- JetStream sequence as version, so a redelivered or re-sent event
-- collapses to one row, the copy stored last in the stream winning. Until
-- ClickHouse merges in the background a duplicate may still be stored:
-- read through FINAL (the *_current views do). Every table is ONE
-- partition (PARTITION BY tuple()) because ReplacingMergeTree collapses
-- duplicates only within a partition; a partition by date would keep both
-- copies of an event re-sent with a different date. Months come from the
-- event's own dates in the views, not from partitions.
--
-- Common columns: source, id (the event's identity), seq (stream sequence),
-- time (the event's CloudEvents time, UTC), received (when JetStream stored
-- it, UTC).

CREATE DATABASE IF NOT EXISTS ${db};

CREATE TABLE IF NOT EXISTS ${db}.events
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
ENGINE = ReplacingMergeTree(seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS ${db}.vacancies_published
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
ENGINE = ReplacingMergeTree(seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS ${db}.vacancies_closed
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
ENGINE = ReplacingMergeTree(seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS ${db}.fairs_scheduled
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
ENGINE = ReplacingMergeTree(seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS ${db}.fair_signups
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
ENGINE = ReplacingMergeTree(seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS ${db}.course_completions
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
ENGINE = ReplacingMergeTree(seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS ${db}.placements_started
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
ENGINE = ReplacingMergeTree(seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS ${db}.placements_ended
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
ENGINE = ReplacingMergeTree(seq)
PARTITION BY tuple()
ORDER BY (source, id);

CREATE TABLE IF NOT EXISTS ${db}.retractions
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
ENGINE = ReplacingMergeTree(seq)
PARTITION BY tuple()
ORDER BY (source, id);
