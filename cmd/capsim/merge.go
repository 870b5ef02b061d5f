package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/capsim/capsim/loadgen/k6ext/capout"
)

var mergeOut string

var mergeCmd = &cobra.Command{
	Use:   "merge FILE...",
	Short: "Merge k6 --out capsim=FILE outputs of several instances into exact percentiles",
	Long: `Merge the outputs of k6 instances run with --execution-segment (the way k6-operator
spreads a test over machines), each written with ` + "`k6 run --out capsim=FILE`" + `. The HDR
histograms are merged bucket by bucket, so the percentiles are those of all samples together,
never averages of per-instance percentiles. Prints a k6-style summary; -o writes the merged
totals and the per-interval series as JSON ("-" for stdout). Exit 2 on unreadable input.`,
	Args: func(cmd *cobra.Command, args []string) error {
		if err := cobra.MinimumNArgs(1)(cmd, args); err != nil {
			return invalid(err)
		}
		return nil
	},
	RunE: func(cmd *cobra.Command, args []string) error {
		files := make([]*capout.File, 0, len(args))
		for _, path := range args {
			f, err := os.Open(path)
			if err != nil {
				return invalid(err)
			}
			cf, err := capout.Read(path, f)
			_ = f.Close()
			if err != nil {
				return invalid(err)
			}
			files = append(files, cf)
		}
		m, err := capout.Merge(files...)
		if err != nil {
			return invalid(err)
		}
		out := cmd.OutOrStdout()
		if mergeOut != "-" {
			if err := capout.WriteSummary(out, m); err != nil {
				return err
			}
		}
		if mergeOut == "" {
			return nil
		}
		b, err := json.MarshalIndent(m, "", "  ")
		if err != nil {
			return err
		}
		b = append(b, '\n')
		if mergeOut == "-" {
			_, err = out.Write(b)
			return err
		}
		if err := os.WriteFile(mergeOut, b, 0o644); err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		fmt.Fprintf(out, "wrote %s\n", mergeOut)
		return nil
	},
}

func init() {
	mergeCmd.Flags().StringVarP(&mergeOut, "output", "o", "", `write the merged result as JSON to this file ("-" = stdout, no summary)`)
	rootCmd.AddCommand(mergeCmd)
}
