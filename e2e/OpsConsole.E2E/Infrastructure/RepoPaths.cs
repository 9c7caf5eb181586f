namespace OpsConsole.E2E.Infrastructure;

/// <summary>Finds the repository root and the already built console (test.sh builds the solution before it runs tests).</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The console's entry assembly: OPSCONSOLE_WEB_DLL, else the build configuration this test assembly came from.</summary>
    public static string WebDll { get; } = FindWebDll();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Console.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Console.sln above {AppContext.BaseDirectory}");
    }

    private static string FindWebDll()
    {
        var configured = Environment.GetEnvironmentVariable("OPSCONSOLE_WEB_DLL");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured)
                ? Path.GetFullPath(configured)
                : throw new FileNotFoundException($"OPSCONSOLE_WEB_DLL points to a missing file: {configured}");
        }

        var own = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        string[] configurations = own == "Release" ? ["Release", "Debug"] : ["Debug", "Release"];
        foreach (var configuration in configurations)
        {
            var candidate = Path.Combine(Root, "src", "OpsConsole.Web", "bin", configuration, "net10.0", "OpsConsole.Web.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"OpsConsole.Web.dll is not built; run `dotnet build Console.sln -c {own}` in {Root} (or set OPSCONSOLE_WEB_DLL)");
    }
}
