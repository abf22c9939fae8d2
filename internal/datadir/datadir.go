// Package datadir keeps halobridge's files private to the user it runs as:
// the data directory 0700, the files holding credentials (the SQLite
// database with its -wal and -shm files, the secret key file) 0600. What
// exists already with a wider mode, from an older halobridge, a restored
// backup or a hand-made directory, is tightened with a warning rather than
// left readable to others.
package datadir

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
)

// The modes halobridge gives its directory and files.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// Dir makes dir and its missing parents, or tightens dir to DirMode when
// group or others may use it.
func Dir(dir string, logger *slog.Logger) error {
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("create data directory %s: %w", dir, err)
	}
	return tighten(dir, DirMode, logger)
}

// File tightens path to FileMode when group or others may read it; a path
// that does not exist is left for its creator.
func File(path string, logger *slog.Logger) error {
	err := tighten(path, FileMode, logger)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Create makes path as an empty file of FileMode when it does not exist,
// so that a program that fills it later (SQLite) finds it private; one
// that exists is tightened as File does.
func Create(path string, logger *slog.Logger) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, FileMode)
	if errors.Is(err, fs.ErrExist) {
		return File(path, logger)
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return f.Close()
}

// tighten sets mode on path when path allows group or others more.
func tighten(path string, mode fs.FileMode, logger *slog.Logger) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	wide := info.Mode().Perm()
	if wide&^mode == 0 {
		return nil
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("restrict %s to mode %04o (it has %04o, so others can read it): %w", path, mode, wide, err)
	}
	if logger != nil {
		logger.Warn("restricted a data file others could read: if others had access, rotate the secret key and the stored credentials",
			"path", path, "mode_was", fmt.Sprintf("%04o", wide), "mode", fmt.Sprintf("%04o", mode))
	}
	return nil
}
