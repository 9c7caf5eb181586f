using OpsConsole.Web.Admin;
using OpsConsole.Web.Hosting;

if (args.Length > 0 && args[0] == "admin")
{
    return await AdminCli.RunAsync(args[1..]);
}

try
{
    await using var console = await ConsoleApp.CreateAsync(args);
    await console.App.RunAsync();
    return 0;
}
catch (StartupException ex)
{
    // One clear line for operators instead of a stack trace (e.g. PostgreSQL binaries missing).
    Console.Error.WriteLine($"opsconsole: {ex.Message}");
    return 2;
}

/// <summary>Entry point type, visible to tests.</summary>
public partial class Program;
