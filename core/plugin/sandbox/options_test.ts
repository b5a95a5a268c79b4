import { assertEquals, assertThrows } from "@std/assert";
import {
  denialOf,
  denialReport,
  sandboxed,
  splitLoaderOptions,
  workerPermissions,
} from "./options.ts";

Deno.test("splitLoaderOptions() takes the loader's options out of the plugin's arguments", () => {
  const { args, options } = splitLoaderOptions([
    ["inline", "on"],
    ["sandbox", "on"],
    ["allow-read", "/data"],
    ["allow-read", "/more"],
    ["allow-net", "example.com:443"],
    ["timeout", "2.5"],
    ["limit", "3"],
  ]);
  assertEquals(args, [["inline", "on"], ["limit", "3"]]);
  assertEquals(options.sandbox, true);
  assertEquals(options.timeoutMs, 2500);
  assertEquals(options.grants.read, ["/data", "/more"]);
  assertEquals(options.grants.net, ["example.com:443"]);
  assertEquals(options.grants.env, []);
});

Deno.test("splitLoaderOptions() refuses bad values of its own options", () => {
  const cases: [string, string, string][] = [
    ["sandbox", "maybe", 'Cannot parse "sandbox=maybe": expected on or off'],
    ["timeout", "0", 'Cannot parse "timeout=0": expected seconds'],
    ["allow-env", "", 'Cannot parse "allow-env=": expected a value'],
  ];
  for (const [key, value, message] of cases) {
    assertThrows(() => splitLoaderOptions([[key, value]]), TypeError, message);
  }
});

Deno.test("sandboxed() sandboxes remote plugins unless trusted, local ones when asked", () => {
  const cases: [string, string[][], boolean][] = [
    ["plugins/bb.ts", [], false],
    ["plugins/bb.ts", [["sandbox", "on"]], true],
    ["plugins/bb.ts", [["allow-read", "/x"]], true],
    ["https://example.com/p.ts", [], true],
    ["jsr:@scope/plugin", [], true],
    ["npm:some-plugin", [], true],
    ["https://example.com/p.ts", [["trust", "on"]], false],
    ["https://example.com/p.ts", [["sandbox", "off"]], false],
  ];
  for (const [specifier, args, expected] of cases) {
    const { options } = splitLoaderOptions(args as [string, string][]);
    assertEquals(sandboxed(specifier, options), expected, `${specifier} ${args}`);
  }
});

Deno.test("workerPermissions() grants only what the options say, plus the plugin's own source", () => {
  const { options } = splitLoaderOptions([["allow-env", "HOME"]]);
  assertEquals(workerPermissions("file:///p/plugins/x.ts", options.grants), {
    read: ["/p/plugins"],
    write: false,
    net: false,
    env: ["HOME"],
    run: false,
    import: false,
    sys: false,
    ffi: false,
  });
  const remote = workerPermissions("http://127.0.0.1:8000/x.ts", options.grants);
  assertEquals([remote.read, remote.import], [false, ["127.0.0.1:8000"]]);
});

Deno.test("denialReport() names the plugin, what it tried and the option that grants it", () => {
  const cases: [string, string][] = [
    [
      'Requires read access to "/etc/passwd", run again with the --allow-read flag',
      'plugin "snoop" was denied read access to "/etc/passwd": grant it with --plugin URL,allow-read=/etc/passwd',
    ],
    [
      'Requires net access to "127.0.0.1:9", run again with the --allow-net flag',
      'plugin "snoop" was denied net access to "127.0.0.1:9": grant it with --plugin URL,allow-net=127.0.0.1:9',
    ],
    [
      'Requires import access to "evil.example:443", run again with the --allow-import flag',
      'plugin "snoop" was denied import access to "evil.example:443": grant it with --plugin URL,allow-import=evil.example:443',
    ],
  ];
  for (const [message, report] of cases) {
    assertEquals(denialReport("snoop", "URL", denialOf(message)!), report);
  }
  assertEquals(denialOf("boom"), undefined);
});
