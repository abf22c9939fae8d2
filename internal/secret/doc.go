// Package secret encrypts credentials at rest. A Keyring seals values with
// AES-256-GCM and tags each sealed value with the id of the key that sealed
// it, so keys can be rotated while values sealed with older keys still open.
package secret
