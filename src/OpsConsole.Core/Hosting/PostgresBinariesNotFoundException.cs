namespace OpsConsole.Core.Hosting;

/// <summary>Thrown when initdb, pg_ctl and postgres cannot be found together in one directory.</summary>
public sealed class PostgresBinariesNotFoundException : Exception
{
    public const string DefaultMessage =
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin. "
        + "Install them with: apt-get install postgresql  (or set ConnectionStrings__Console to use an existing server).";

    public PostgresBinariesNotFoundException()
        : base(DefaultMessage)
    {
    }

    public PostgresBinariesNotFoundException(string message)
        : base(message)
    {
    }

    public PostgresBinariesNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static PostgresBinariesNotFoundException ForRoots(IReadOnlyCollection<string> fallbackRoots)
    {
        var where = fallbackRoots.Count == 0
            ? "on PATH"
            : "on PATH or in " + string.Join(" or ", fallbackRoots.Select(r => Path.Combine(r, "*", "bin")));
        return new PostgresBinariesNotFoundException(
            $"PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found {where}. "
            + "Install them with: apt-get install postgresql  (or set ConnectionStrings__Console to use an existing server).");
    }
}
