/**
 * `enpire mcp`: serve enpire's tools over MCP on stdio (see src/mcp/README.md). stdout carries the protocol only;
 * the one line saying the server is up goes to stderr.
 */
import type { Command } from "commander";

/** Adds `enpire mcp [--store DIR]` to the program. */
export function registerMcpCommands(program: Command): void {
  program
    .command("mcp")
    .description("serve enpire's tools (tasks, runs, trials, stations, research, literature) over MCP on stdio")
    .option("--store <dir>", "run store directory (default $ENPIRE_HOME or ./.enpire)")
    .option("--project <name>", "research project the research tools default to")
    .option("--branch <name>", "branch the research tools default to (an agent's own)")
    .option("--agent <name>", "agent name recorded with research entries")
    .action(async (o: { store?: string; project?: string; branch?: string; agent?: string }) => {
      const [{ StdioServerTransport }, { createMcpServer }] = await Promise.all([
        import("@modelcontextprotocol/sdk/server/stdio.js"),
        import("../../mcp/server.js"),
      ]);
      const server = createMcpServer({
        store: o.store,
        version: program.version(),
        bound: { project: o.project, branch: o.branch, agent: o.agent },
      });
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => {
        transport.onclose = () => resolve();
        process.stdin.once("end", () => resolve());
      });
      await server.connect(transport);
      process.stderr.write("enpire mcp: serving on stdio\n");
      await closed;
      await server.close();
    });
}
