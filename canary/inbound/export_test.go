package inbound

// RaceEnabled lets the external tests scale their storms like the internal ones.
const RaceEnabled = raceEnabled
