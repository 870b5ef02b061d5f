package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/capsim/capsim/fixtures/images"
	"github.com/spf13/cobra"
)

func init() {
	imagesCmd := &cobra.Command{
		Use:   "images",
		Short: "Build and list the container images of the reference cluster (offline, cached)",
		Long: `The reference cluster runs two local images, never pulled from a registry:
capsim/base:<hash> (Debian bookworm made with debootstrap from the mirror in the machine's apt
sources, with HAProxy, NGINX, Redis, PostgreSQL 15, PgBouncer, Patroni, etcd, Mosquitto) and
capsim/node:<hash> (the base plus /usr/local/bin/capsim-node).`,
	}
	noArgs := func(cmd *cobra.Command, args []string) error {
		if err := cobra.NoArgs(cmd, args); err != nil {
			return invalid(err)
		}
		return nil
	}

	var o images.Options
	build := &cobra.Command{
		Use:   "build",
		Short: "Build the base and node images, reusing what exists",
		Long: `Build capsim/base and capsim/node, each tagged with the hash of its inputs. An existing image
with the same inputs is reused; a cached root filesystem (base-<hash>.tar.zst in the cache dir)
is only re-imported (seconds); otherwise debootstrap runs (minutes, needs root; installs
debootstrap with apt-get when missing). --force rebuilds everything. Node images of earlier
inputs that no container uses are removed.

Cache dir: --cache, else $CAPSIM_CACHE, else $XDG_CACHE_HOME/capsim, else ~/.cache/capsim.
Exit codes: 0 built or reused; 2 invalid flags; 1 the build failed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Out = cmd.OutOrStdout()
			o.Prune = true // node images of earlier inputs that no container uses
			// on Ctrl-C the build stops its commands and removes its half-made root filesystem
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			_, err := images.Build(ctx, o)
			return err
		},
	}
	build.Flags().BoolVar(&o.Force, "force", false, "rebuild both images, debootstrap included, even when cached")
	build.Flags().StringVar(&o.CacheDir, "cache", "", "cache dir for the root filesystem tarball (default $CAPSIM_CACHE, $XDG_CACHE_HOME/capsim or ~/.cache/capsim)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the capsim images present in the Docker engine: tag, kind, size, created",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ls, err := images.List(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "TAG\tKIND\tSIZE\tCREATED")
			for _, l := range ls {
				fmt.Fprintf(tw, "%s\t%s\t%.0f MB\t%s\n", l.Tag, l.Kind, float64(l.Size)/1e6, l.Created.Local().Format(time.DateTime))
			}
			return tw.Flush()
		},
	}
	imagesCmd.AddCommand(build, list)
	rootCmd.AddCommand(imagesCmd)
}
