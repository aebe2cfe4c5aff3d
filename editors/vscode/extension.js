// The VS Code client of the icp language server: starts `icp lsp` (icp.server.path, with
// icp.server.args after `lsp`) for .icp files and restarts it when those settings change.
// The grammar and the language configuration are contributed by package.json alone.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("icp");
  const command = config.get("server.path") || "icp";
  const args = ["lsp", ...config.get("server.args", [])];
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return {
    command,
    args,
    transport: TransportKind.stdio,
    options: folder ? { cwd: folder } : {},
  };
}

async function start() {
  const options = serverOptions();
  client = new LanguageClient(
    "icp",
    "ICP language server",
    options,
    {
      documentSelector: [
        { scheme: "file", language: "icp" },
        { scheme: "untitled", language: "icp" },
      ],
      synchronize: {
        // Rule files and icp.toml edited outside the editor are checked again.
        fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.icp,icp.toml}"),
      },
    },
  );
  try {
    await client.start();
  } catch (err) {
    vscode.window.showErrorMessage(
      `ICP: cannot start \`${options.command} lsp\` (${err.message}). ` +
        "Install icp or set icp.server.path to the icp executable.",
    );
  }
}

async function activate(context) {
  await start();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("icp.server")) {
        if (client) {
          await client.stop().catch(() => {});
        }
        await start();
      }
    }),
  );
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
