import { assertEquals } from "@std/assert";
import { ERRNO, errnoMessage, hostErrno } from "./_errno.ts";

Deno.test("hostErrno() maps Deno errors to the Linux errno the guest expects", () => {
  const cases: [unknown, number][] = [
    [new Deno.errors.NotFound("x"), ERRNO.ENOENT],
    [new Deno.errors.PermissionDenied("x"), ERRNO.EACCES],
    [new Deno.errors.NotCapable("Requires read access"), ERRNO.EACCES],
    [new Deno.errors.AlreadyExists("x"), ERRNO.EEXIST],
    [new Deno.errors.IsADirectory("x"), ERRNO.EISDIR],
    [new Deno.errors.NotADirectory("x"), ERRNO.ENOTDIR],
    [Object.assign(new Error("Directory not empty (os error 39)"), { code: "ENOTEMPTY" }), 39],
    [new Error("Invalid argument (os error 22)"), ERRNO.EINVAL],
    [new Error("something else"), ERRNO.EIO],
    [undefined, ERRNO.EIO],
  ];
  for (const [error, errno] of cases) assertEquals(hostErrno(error), errno, String(error));
  assertEquals(errnoMessage(ERRNO.ENOENT), "No such file or directory");
  assertEquals(errnoMessage(41), "Unknown error 41");
});
