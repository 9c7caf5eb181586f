namespace OpsConsole.Core.Hosting;

/// <summary>Finds the PostgreSQL server programs: PATH first, then the newest Debian-style versioned directory.</summary>
public static class PostgresBinaryLocator
{
    public const string DefaultFallbackRoot = "/usr/lib/postgresql";

    private static readonly string[] RequiredPrograms = ["initdb", "pg_ctl", "postgres"];

    /// <summary>Searches the real PATH and <see cref="DefaultFallbackRoot"/>.</summary>
    public static PostgresBinaries Locate() =>
        Locate(Environment.GetEnvironmentVariable("PATH"), [DefaultFallbackRoot], File.Exists, ListDirectoriesOrEmpty);

    /// <summary>
    /// Returns the first PATH entry holding all of initdb, pg_ctl and postgres, else the highest numeric
    /// version under a fallback root (<c>{root}/{version}/bin</c>).
    /// </summary>
    /// <exception cref="PostgresBinariesNotFoundException">No directory holds all three programs.</exception>
    public static PostgresBinaries Locate(
        string? pathEnvironment,
        IEnumerable<string> fallbackRoots,
        Func<string, bool> fileExists,
        Func<string, IEnumerable<string>> listDirectories)
    {
        ArgumentNullException.ThrowIfNull(fallbackRoots);
        ArgumentNullException.ThrowIfNull(fileExists);
        ArgumentNullException.ThrowIfNull(listDirectories);

        if (!string.IsNullOrEmpty(pathEnvironment))
        {
            foreach (var entry in pathEnvironment.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                // Relative PATH entries (".") would make the result depend on the working directory; skip them.
                if (Path.IsPathRooted(entry) && HasAllPrograms(entry, fileExists))
                {
                    return new PostgresBinaries(entry);
                }
            }
        }

        var roots = fallbackRoots.ToList();
        foreach (var root in roots)
        {
            var versions = listDirectories(root)
                .Select(d => Path.GetFileName(d.TrimEnd('/')))
                .Select(name => (Name: name, Version: ParseVersion(name)))
                .Where(v => v.Version is not null)
                .OrderByDescending(v => v.Version);

            foreach (var (name, _) in versions)
            {
                var bin = Path.Combine(root, name, "bin");
                if (HasAllPrograms(bin, fileExists))
                {
                    return new PostgresBinaries(bin);
                }
            }
        }

        throw PostgresBinariesNotFoundException.ForRoots(roots);
    }

    /// <summary>Parses "15" or "9.6" numerically so that 16 &gt; 15 &gt; 9.6 (string order would put 9.6 first).</summary>
    internal static Version? ParseVersion(string name)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            return null;
        }

        var candidate = name.Contains('.', StringComparison.Ordinal) ? name : name + ".0";
        return Version.TryParse(candidate, out var version) ? version : null;
    }

    private static bool HasAllPrograms(string directory, Func<string, bool> fileExists) =>
        RequiredPrograms.All(p => fileExists(Path.Combine(directory, p)));

    private static IEnumerable<string> ListDirectoriesOrEmpty(string root)
    {
        try
        {
            return Directory.Exists(root) ? Directory.GetDirectories(root) : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
