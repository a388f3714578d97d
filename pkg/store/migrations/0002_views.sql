-- sundflow evaluator views. Read these, not the tables: they deduplicate
-- (FINAL on the ReplacingMergeTree tables, keyed by the event's source and
-- id) and drop retracted events BEFORE anything is counted, so figures are
-- exact under redelivery, re-sending, late arrival and corrections.
-- deploy/clickhouse/README.md documents every view and column.

-- Retractions that take effect: a source may retract only its own events
-- (retracted_source = source), and a retraction that is itself retracted
-- no longer applies (the original event counts again).
CREATE VIEW IF NOT EXISTS ${db}.retractions_current AS
SELECT source, id, seq, time, received, retracted_source, retracted_id, reason
FROM ${db}.retractions FINAL
WHERE retracted_source = source
  AND (source, id) NOT IN
  (
      SELECT retracted_source, retracted_id
      FROM ${db}.retractions FINAL
      WHERE retracted_source = source
  );

-- Event level: one row per event that counts (deduplicated, not retracted).

CREATE VIEW IF NOT EXISTS ${db}.events_current AS
SELECT source, id, type, specversion, subject, time, time_ns, datacontenttype, dataschema,
       extension_names, extension_values, data, nats_subject, seq, received, projected
FROM ${db}.events FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM ${db}.retractions_current);

CREATE VIEW IF NOT EXISTS ${db}.vacancies_published_current AS
SELECT source, id, seq, time, received, vacancy_id, title, employer_country, employer_registration_number,
       employer_name, work_country, work_municipality, isco, isco_major, disco, ssyk, sector, positions,
       cross_border, published_date, deadline_date, projects
FROM ${db}.vacancies_published FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM ${db}.retractions_current);

CREATE VIEW IF NOT EXISTS ${db}.vacancies_closed_current AS
SELECT source, id, seq, time, received, vacancy_id, reason, closed_date, published_date, positions, positions_filled
FROM ${db}.vacancies_closed FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM ${db}.retractions_current);

CREATE VIEW IF NOT EXISTS ${db}.fairs_scheduled_current AS
SELECT source, id, seq, time, received, fair_id, kind, title, fair_date, end_date, country, municipality,
       sector, organisers, capacity, projects
FROM ${db}.fairs_scheduled FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM ${db}.retractions_current);

CREATE VIEW IF NOT EXISTS ${db}.fair_signups_current AS
SELECT source, id, seq, time, received, fair_id, action, action_date, participant, pseudonym,
       residence_country, residence_municipality, employer_country, employer_registration_number,
       employer_name, projects
FROM ${db}.fair_signups FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM ${db}.retractions_current);

CREATE VIEW IF NOT EXISTS ${db}.course_completions_current AS
SELECT source, id, seq, time, received, course_id, run_id, title, provider, sector, pseudonym,
       residence_country, residence_municipality, hours, completed_date, status, projects
FROM ${db}.course_completions FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM ${db}.retractions_current);

CREATE VIEW IF NOT EXISTS ${db}.placements_started_current AS
SELECT source, id, seq, time, received, placement_id, pseudonym, residence_country, residence_municipality,
       work_country, work_municipality, direction, employer_country, employer_registration_number,
       employer_name, sector, isco, isco_major, disco, ssyk, kind, status_before, start_date,
       planned_end_date, projects
FROM ${db}.placements_started FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM ${db}.retractions_current);

CREATE VIEW IF NOT EXISTS ${db}.placements_ended_current AS
SELECT source, id, seq, time, received, placement_id, pseudonym, start_date, end_date, reason
FROM ${db}.placements_ended FINAL
WHERE (source, id) NOT IN (SELECT retracted_source, retracted_id FROM ${db}.retractions_current);

-- Entity level: one row per placement, vacancy or fair. When a source sent
-- several (non-retracted) events for the same entity, the latest by event
-- time (then stream sequence) describes it.

CREATE VIEW IF NOT EXISTS ${db}.placements_current AS
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
    FROM ${db}.placements_started_current
    ORDER BY time DESC, seq DESC
    LIMIT 1 BY source, placement_id
)
ANY LEFT JOIN
(
    SELECT source, placement_id, toNullable(ended) AS end_date, toNullable(why) AS end_reason
    FROM
    (
        SELECT source, placement_id, end_date AS ended, reason AS why
        FROM ${db}.placements_ended_current
        ORDER BY time DESC, seq DESC
        LIMIT 1 BY source, placement_id
    )
) USING (source, placement_id);

CREATE VIEW IF NOT EXISTS ${db}.vacancies_current AS
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
    FROM ${db}.vacancies_published_current
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
        FROM ${db}.vacancies_closed_current
        ORDER BY time DESC, seq DESC
        LIMIT 1 BY source, vacancy_id
    )
) USING (source, vacancy_id);

-- Fairs are keyed by fair_id alone: the organiser's system schedules a
-- fair and a sign-up form (another source) reports sign-ups for it.
CREATE VIEW IF NOT EXISTS ${db}.fairs_current AS
SELECT source, fair_id, id AS event_id, kind, title, fair_date, end_date, country, municipality, sector,
       organisers, capacity, projects
FROM ${db}.fairs_scheduled_current
ORDER BY time DESC, seq DESC
LIMIT 1 BY fair_id;

-- One row per fair and participant (a person by pseudonym, an employer by
-- country and registration number, or name when it has none).
CREATE VIEW IF NOT EXISTS ${db}.fair_participants AS
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
    FROM ${db}.fair_signups_current
)
GROUP BY fair_id, participant, participant_key;

-- Evaluator figures.

-- Distinct people placed across the border, by direction (residence
-- country -> work country), over the whole history.
CREATE VIEW IF NOT EXISTS ${db}.commuters_by_direction AS
SELECT direction, residence_country, work_country,
       uniqExact(pseudonym) AS people,
       count() AS placements,
       min(start_date) AS first_start_date,
       max(start_date) AS last_start_date
FROM ${db}.placements_current
WHERE residence_country != work_country
GROUP BY direction, residence_country, work_country;

-- By direction and month of placement start: people who started a
-- placement that month, and new_people, those whose FIRST placement in
-- that direction started that month (new_people add up over months to the
-- distinct total; people do not).
CREATE VIEW IF NOT EXISTS ${db}.commuters_by_direction_month AS
SELECT direction, residence_country, work_country, month, people, new_people, placements
FROM
(
    SELECT direction, residence_country, work_country, start_month AS month,
           uniqExact(pseudonym) AS people, count() AS placements
    FROM ${db}.placements_current
    WHERE residence_country != work_country
    GROUP BY direction, residence_country, work_country, month
)
ANY LEFT JOIN
(
    SELECT direction, toStartOfMonth(first_start) AS month, count() AS new_people
    FROM
    (
        SELECT direction, pseudonym, min(start_date) AS first_start
        FROM ${db}.placements_current
        WHERE residence_country != work_country
        GROUP BY direction, pseudonym
    )
    GROUP BY direction, month
) USING (direction, month);

CREATE VIEW IF NOT EXISTS ${db}.placements_by_status_before AS
SELECT direction, toYear(start_date) AS year, status_before,
       count() AS placements, uniqExact(pseudonym) AS people
FROM ${db}.placements_current
GROUP BY direction, year, status_before;

CREATE VIEW IF NOT EXISTS ${db}.placements_by_occupation AS
SELECT direction, toYear(start_date) AS year, isco_major, isco, sector,
       count() AS placements, uniqExact(pseudonym) AS people
FROM ${db}.placements_current
GROUP BY direction, year, isco_major, isco, sector;

CREATE VIEW IF NOT EXISTS ${db}.vacancies_open_by_occupation_country AS
SELECT work_country, isco_major, isco, sector,
       count() AS vacancies, sum(positions) AS positions, sum(cross_border) AS cross_border_vacancies
FROM ${db}.vacancies_current
WHERE status = 'open'
GROUP BY work_country, isco_major, isco, sector;

CREATE VIEW IF NOT EXISTS ${db}.course_completions_by_sector_status AS
SELECT sector, status, toYear(completed_date) AS year,
       count() AS completions, uniqExact(pseudonym) AS people,
       uniqExact(course_id, run_id) AS course_runs, sum(hours) AS hours
FROM ${db}.course_completions_current
GROUP BY sector, status, year;

CREATE VIEW IF NOT EXISTS ${db}.course_runs_by_sector_year AS
SELECT sector, toYear(completed_date) AS year,
       uniqExact(course_id, run_id) AS course_runs, count() AS completions, uniqExact(pseudonym) AS people
FROM ${db}.course_completions_current
GROUP BY sector, year;

CREATE VIEW IF NOT EXISTS ${db}.fairs_by_sector_year AS
SELECT sector, kind, toYear(fair_date) AS year, count() AS fairs
FROM ${db}.fairs_current
GROUP BY sector, kind, year;

CREATE VIEW IF NOT EXISTS ${db}.fair_participation AS
SELECT fair_id, kind, title, fair_date, country, municipality, sector, projects,
       signed_up_people, attended_people, cancelled_people, signed_up_employers, attended_employers
FROM ${db}.fairs_current
ANY LEFT JOIN
(
    SELECT fair_id,
           countIf(participant = 'person' AND (attended = 1 OR last_action != 'cancelled')) AS signed_up_people,
           countIf(participant = 'person' AND attended = 1) AS attended_people,
           countIf(participant = 'person' AND attended = 0 AND last_action = 'cancelled') AS cancelled_people,
           countIf(participant = 'employer' AND (attended = 1 OR last_action != 'cancelled')) AS signed_up_employers,
           countIf(participant = 'employer' AND attended = 1) AS attended_employers
    FROM ${db}.fair_participants
    GROUP BY fair_id
) USING (fair_id);
