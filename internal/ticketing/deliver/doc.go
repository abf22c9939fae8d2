// Package deliver carries out in HaloPSA what package ticketing decides:
// it keeps each partner's ticket policy, turns the alerts ingest stored into
// tickets and notes (one create per group of alerts, notes gathered per flush
// window), reopens and closes tickets, and survives crashes without ever
// creating a second ticket for one group. It runs as a durable job per
// partner (Worker) and answers the portal's policy and test-ticket calls.
package deliver
