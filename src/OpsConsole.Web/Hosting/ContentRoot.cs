namespace OpsConsole.Web.Hosting;

/// <summary>The content root is the repository root (it holds appsettings.json and wwwroot/), wherever the binary runs from.</summary>
public static class ContentRoot
{
    public const string Marker = "Console.sln";

    public static string Resolve(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var explicitRoot = ExplicitRoot(args) ?? Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT");
        if (!string.IsNullOrWhiteSpace(explicitRoot))
        {
            return Path.GetFullPath(explicitRoot);
        }

        return FindUpwards(Directory.GetCurrentDirectory())
            ?? FindUpwards(AppContext.BaseDirectory)
            ?? Directory.GetCurrentDirectory();
    }

    internal static string? FindUpwards(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, Marker)) && File.Exists(Path.Combine(dir.FullName, "appsettings.json")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static string? ExplicitRoot(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--contentRoot" or "--contentroot" && i + 1 < args.Length)
            {
                return args[i + 1];
            }

            if (args[i].StartsWith("--contentRoot=", StringComparison.OrdinalIgnoreCase))
            {
                return args[i]["--contentRoot=".Length..];
            }
        }

        return null;
    }
}
