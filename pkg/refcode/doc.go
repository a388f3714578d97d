// Package refcode holds the reference code lists the event contract
// checks against: ISO 3166-1 countries, Danish kommunekoder and regions,
// Swedish kommunkoder and län (with JobTech concept ids), ISCO-08 at all
// levels, SSYK 2012 unit groups and the focus areas. It sits beside
// pkg/event, which rejects events with unknown codes at the gateway, and
// the source adapters (producers/jobtech) use it to translate a source's
// codes into the contract's. The lists are embedded from data/, copied
// unchanged from their sources (see data/README.md).
package refcode
