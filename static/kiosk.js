// Kiosk idle warning (see docs/kiosks-and-field-teams.md). Written in the kiosk front-end change.
