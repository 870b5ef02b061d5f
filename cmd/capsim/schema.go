package main

import (
	"fmt"

	"github.com/capsim/capsim/scenarios"
	"github.com/spf13/cobra"
)

var schemaCmd = &cobra.Command{
	Use:   "schema",
	Short: "Print the JSON Schema of scenario files (for editor completion and checks)",
	Args:  cobra.NoArgs,
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
