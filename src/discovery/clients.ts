/**
 * Where MCP clients keep their server lists, per platform. Paths are logical (a base directory
 * plus segments) and joined with the host's path module, so tests can point `home` at a fixture
 * directory and exercise the macOS and Windows layouts on Linux.
 */

export type Platform = 'linux' | 'darwin' | 'win32';

/** How a file lists its servers. */
export type Format =
  | 'mcpServers' // { mcpServers: { name: entry } } — Claude Desktop, Cursor, Windsurf, Cline, Roo, Gemini, Amazon Q, LM Studio, Kiro
  | 'claude-code' // ~/.claude.json: mcpServers plus projects[path].mcpServers
  | 'vscode-settings' // settings.json: { "mcp": { "servers": {} } } or { "mcp.servers": {} }
  | 'vscode-mcp' // mcp.json: { servers: {} }
  | 'zed' // settings.json: { context_servers: {} }
  | 'continue' // config.yaml|json: mcpServers as a list or map; experimental.modelContextProtocolServers
  | 'goose' // config.yaml: extensions: { name: { type, cmd, args, uri } }
  | 'opencode'; // opencode.json: mcp: { name: { type: local|remote, command: [], url } }

/**
 * Base directories: `home`; `config` is the platform's per-user app config dir (XDG config on
 * Linux, ~/Library/Application Support on macOS, %APPDATA% on Windows); `xdg` is ~/.config on
 * Linux and macOS (tools that use it everywhere) and %APPDATA% on Windows; `project` is each
 * project root (cwd, and projects Claude Code knows).
 */
export type Base = 'home' | 'config' | 'xdg' | 'project';

export interface Location {
  readonly client: string;
  readonly base: Base;
  readonly path: readonly string[];
  readonly format: Format;
  /** Only on these platforms (all when absent). */
  readonly platforms?: readonly Platform[];
}

const CODE_FLAVOURS = [
  ['VS Code', 'Code'],
  ['VS Code Insiders', 'Code - Insiders'],
  ['VSCodium', 'VSCodium'],
  ['Cursor (VS Code settings)', 'Cursor'],
] as const;

export const LOCATIONS: readonly Location[] = [
  { client: 'Claude Desktop', base: 'config', path: ['Claude', 'claude_desktop_config.json'], format: 'mcpServers' },
  { client: 'Claude Code', base: 'home', path: ['.claude.json'], format: 'claude-code' },
  { client: 'Claude Code', base: 'home', path: ['.claude', 'mcp.json'], format: 'mcpServers' },
  { client: 'Claude Code', base: 'project', path: ['.mcp.json'], format: 'mcpServers' },
  { client: 'Cursor', base: 'home', path: ['.cursor', 'mcp.json'], format: 'mcpServers' },
  { client: 'Cursor', base: 'project', path: ['.cursor', 'mcp.json'], format: 'mcpServers' },
  ...CODE_FLAVOURS.flatMap(([client, dir]): Location[] => [
    { client, base: 'config', path: [dir, 'User', 'settings.json'], format: 'vscode-settings' },
    { client, base: 'config', path: [dir, 'User', 'mcp.json'], format: 'vscode-mcp' },
    { client: `Cline (${client})`, base: 'config', path: [dir, 'User', 'globalStorage', 'saoudrizwan.claude-dev', 'settings', 'cline_mcp_settings.json'], format: 'mcpServers' },
    { client: `Roo Code (${client})`, base: 'config', path: [dir, 'User', 'globalStorage', 'rooveterinaryinc.roo-cline', 'settings', 'mcp_settings.json'], format: 'mcpServers' },
  ]),
  { client: 'VS Code', base: 'project', path: ['.vscode', 'mcp.json'], format: 'vscode-mcp' },
  { client: 'VS Code', base: 'project', path: ['.vscode', 'settings.json'], format: 'vscode-settings' },
  { client: 'Roo Code', base: 'project', path: ['.roo', 'mcp.json'], format: 'mcpServers' },
  { client: 'Windsurf', base: 'home', path: ['.codeium', 'windsurf', 'mcp_config.json'], format: 'mcpServers' },
  { client: 'Zed', base: 'xdg', path: ['zed', 'settings.json'], format: 'zed', platforms: ['linux', 'darwin'] },
  { client: 'Zed', base: 'config', path: ['Zed', 'settings.json'], format: 'zed', platforms: ['win32'] },
  { client: 'Zed', base: 'project', path: ['.zed', 'settings.json'], format: 'zed' },
  { client: 'Continue', base: 'home', path: ['.continue', 'config.yaml'], format: 'continue' },
  { client: 'Continue', base: 'home', path: ['.continue', 'config.json'], format: 'continue' },
  { client: 'Gemini CLI', base: 'home', path: ['.gemini', 'settings.json'], format: 'mcpServers' },
  { client: 'Gemini CLI', base: 'project', path: ['.gemini', 'settings.json'], format: 'mcpServers' },
  { client: 'Amazon Q', base: 'home', path: ['.aws', 'amazonq', 'mcp.json'], format: 'mcpServers' },
  { client: 'Amazon Q', base: 'project', path: ['.amazonq', 'mcp.json'], format: 'mcpServers' },
  { client: 'LM Studio', base: 'home', path: ['.lmstudio', 'mcp.json'], format: 'mcpServers' },
  { client: 'Kiro', base: 'home', path: ['.kiro', 'settings', 'mcp.json'], format: 'mcpServers' },
  { client: 'Kiro', base: 'project', path: ['.kiro', 'settings', 'mcp.json'], format: 'mcpServers' },
  { client: 'Goose', base: 'xdg', path: ['goose', 'config.yaml'], format: 'goose', platforms: ['linux', 'darwin'] },
  { client: 'Goose', base: 'config', path: ['Block', 'goose', 'config', 'config.yaml'], format: 'goose', platforms: ['win32'] },
  { client: 'opencode', base: 'home', path: ['.config', 'opencode', 'opencode.json'], format: 'opencode' },
  { client: 'opencode', base: 'project', path: ['opencode.json'], format: 'opencode' },
];
