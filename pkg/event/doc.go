// Package event is sundflow's event contract in code: the CloudEvents
// types sundflow accepts, the Go shapes of their data, and the
// [Validator] every event passes before it is stored. It sits at the
// front of the pipeline: the ingest gateway (producers/ingest) decodes
// and validates each event with it before publishing to JetStream, the
// source adapters (producers/...) build events with [New] and check them
// with [Validator.Validate], and the projector (consumers/projector)
// reads the data shapes back.
//
// # What is checked
//
// In this order, collecting every problem rather than stopping at the
// first, each as a [Problem] with a JSON path, a rule and a message:
//
//  1. The envelope, as CloudEvents 1.0 says: specversion "1.0" only; id,
//     source and type present and non-empty strings; source a
//     URI-reference; time RFC 3339 (any offset, any fraction);
//     datacontenttype a media type (RFC 2046); dataschema an absolute
//     URI; subject non-empty; no control characters, surrogates or
//     noncharacters in string values; attribute and extension names of
//     lower-case ASCII letters and digits only; extension values strings,
//     booleans or 32-bit integers; data or data_base64, never both; a
//     JSON null is an absent attribute. The spec only recommends names of
//     at most 20 characters (SHOULD), so longer names pass.
//  2. sundflow's profile: time is required (figures are placed by when
//     things happened); the type must be one of [Types]; data is
//     required and JSON (datacontenttype application/json or a +json
//     type, or absent, which means JSON); dataschema, if given, equals
//     the type's [Type.SchemaURI].
//  3. The data against the type's JSON Schema (schemas/, draft 2020-12,
//     format "date" asserted).
//  4. Reference codes (pkg/refcode): ISO 3166-1 countries; Danish
//     kommunekoder in the 3-digit form (DAWA's 4-digit 0101 form is
//     rejected with a hint, so one municipality never has two spellings
//     in the figures) and Swedish kommunkoder; ISCO-08, SSYK 2012 (its
//     first digit is the ISCO major group) and DISCO-08 (its first four
//     digits are the ISCO unit group); CVR (8 digits) and
//     organisationsnummer (10 digits, optional hyphen).
//  5. Cross-field rules: dates in order, positions filled, a placement's
//     work country differs from the residence country, a retraction
//     names its own source and not itself.
//  6. Privacy: no string of the event (attributes, extensions, every data
//     value and member name, free text included) may hold something
//     shaped like a Danish CPR number, a Swedish personnummer or
//     samordningsnummer, or an e-mail address. A digit run counts only
//     when no letter or digit touches it. Messages never echo a value.
//
// # Bindings
//
// [Validator.ParseStructured] reads the JSON format, [Validator.ParseBatch]
// the JSON batch format, [Validator.ParseBinary] binary content mode with
// attributes from [HTTPBinaryAttrs] or [NATSBinaryAttrs]. [Encode] writes
// the JSON format; [MessageID] is the Nats-Msg-Id that lets JetStream drop
// a re-sent event.
package event
