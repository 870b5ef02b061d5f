package main

import (
	"fmt"

	"github.com/capsim/capsim/scenarios"
	"github.com/spf13/cobra"
)

var schemaCmd = &cobra.Command{
	Use:   "schema",
	Short: "Print the JSON Schema of scenario files (for editor completion and checks)",
	Args: func(cmd *cobra.Command, args []string) error {
		if err := cobra.NoArgs(cmd, args); err != nil {
			return invalid(err)
		}
		return nil
	},
	RunE: func(cmd *cobra.Command, args []string) error {
		b, err := scenarios.JSONSchema()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", b)
		return err
	},
}

func init() { rootCmd.AddCommand(schemaCmd) }
