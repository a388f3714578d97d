// Package csvimport turns a spreadsheet list kept by a job centre, school
// or fair organiser (CSV, semicolon or comma, UTF-8 with or without BOM,
// or a Windows code page) into sundflow events, one per row, using a
// column mapping file ([Mapping], YAML). It sits at the very start of the
// pipeline: producers/csvimport reads the file, this package maps and
// validates each row against the event contract, and the events go to the
// ingest gateway through a [Sink] (package delivery).
//
// Each event's id is a hash of the row's mapped, normalised values, so
// importing the same list twice, or a list that repeats a row, stores
// nothing twice. National ids in a column named by a mapping's pseudonym
// rule are turned into keyed pseudonyms (package pseudonym) as the row is
// read and go nowhere else: not into events, errors or reports.
//
// Rows that cannot be mapped or break the contract are reported with
// their spreadsheet row number (the header is row 1), the column, the rule
// and a message that never repeats the cell's value.
package csvimport
