// Package jobtech reads Arbetsförmedlingen's JobTech JobStream ads and
// turns them into sundflow vacancy events. It sits at the start of the
// pipeline, beside the other source adapters: producers/jobtech fetches a
// stream (a file or https://jobstream.api.jobtechdev.se/stream?date=...),
// this package decodes it ad by ad without holding the whole array in
// memory, and the events go to the ingest gateway.
//
// # Live ads
//
// An ad with removed false becomes org.sundflow.vacancy.published.v1:
// vacancy_id is the ad id, the employer is Swedish (JobTech ads are
// registered by employers with a Swedish organisationsnummer), the
// workplace country comes from workplace_address (country_code "01" is
// Sweden in JobTech's legacy codes; labels Sverige, Danmark, Norge... are
// also read) and the municipality from municipality_code, or its concept
// id, or its name, checked against pkg/refcode.
//
// Occupation: occupation_group.legacy_ams_taxonomy_id is the SSYK 2012
// unit group (4 digits) and is kept as ssyk. ISCO-08 is the SSYK code's
// first digit, the major group, which SSYK 2012 shares with ISCO-08 by
// construction. Nothing finer is claimed: SSYK 2012 unit groups do not
// map one-to-one onto ISCO-08 unit groups (Statistics Sweden's key is
// many-to-many), and the embedded reference data carries no cross-walk
// that would justify a finer code. The sector comes from the SSYK code
// (see [SectorOf]).
//
// # Removed ads
//
// An ad with removed true (full shape, or the short shape that carries
// only concept ids) becomes org.sundflow.vacancy.closed.v1 on its
// removed_date. JobTech does not say why an ad was removed, so the reason
// is inferred: expired when the ad was removed on or after its last
// publication date (last_publication_date, else application_deadline, from
// the removed ad itself or from its live version earlier in the same
// stream), withdrawn when it was removed before that date. When neither
// is known (the short shape, seen without its live version) the reason is
// [Converter.UnknownReason], withdrawn by default, and the ad is counted
// as guessed. positions_filled is 0: JobTech does not know who was hired,
// so filled is never claimed.
//
// Ads that cannot become a valid event are skipped and counted by reason
// ([Stats]); nothing about them is logged beyond the ad id.
package jobtech
