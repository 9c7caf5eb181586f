namespace OpsConsole.Core.Hosting;

/// <summary>A directory holding the PostgreSQL server programs the launcher needs.</summary>
public sealed record PostgresBinaries(string BinDirectory)
{
    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    public string Postgres => Path.Combine(BinDirectory, "postgres");
}
