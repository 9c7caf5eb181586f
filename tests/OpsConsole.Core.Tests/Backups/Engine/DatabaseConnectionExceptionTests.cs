using System.Net.Sockets;
using Npgsql;
using OpsConsole.Core.Backups.Engine;

namespace OpsConsole.Core.Tests.Backups.Engine;

/// <summary>Connection failures become one short line naming host:port, user and database, never the password.</summary>
public sealed class DatabaseConnectionExceptionTests
{
    private const string Secret = "s3cr3t-Passw0rd";

    private static readonly NpgsqlConnectionStringBuilder Connection = new("Host=db.internal;Port=5433;Username=backup;Password=" + Secret + ";Database=shop;Timeout=7");

    public static TheoryData<Exception, ConnectionProblem, string> Failures() => new()
    {
        { new PostgresException("password authentication failed for user \"backup\"", "FATAL", "FATAL", PostgresErrorCodes.InvalidPassword), ConnectionProblem.AuthenticationFailed, "password authentication failed for user \"backup\" at db.internal:5433" },
        { new PostgresException("no pg_hba.conf entry for host \"10.0.0.1\"", "FATAL", "FATAL", PostgresErrorCodes.InvalidAuthorizationSpecification), ConnectionProblem.AuthenticationFailed, "db.internal:5433 refused user \"backup\" for database \"shop\": no pg_hba.conf entry for host \"10.0.0.1\"" },
        { new PostgresException("database \"shop\" does not exist", "FATAL", "FATAL", PostgresErrorCodes.InvalidCatalogName), ConnectionProblem.DatabaseMissing, "database \"shop\" does not exist at db.internal:5433" },
        { new PostgresException("sorry, too many clients already", "FATAL", "FATAL", PostgresErrorCodes.TooManyConnections), ConnectionProblem.Refused, "db.internal:5433 refused the connection to database \"shop\" as \"backup\": sorry, too many clients already" },
        { new NpgsqlException("Failed to connect to 10.0.0.5:5433", new SocketException((int)SocketError.ConnectionRefused)), ConnectionProblem.Unreachable, "could not reach db.internal:5433: connection refused (is PostgreSQL running and listening there?)" },
        { new NpgsqlException("Failed to connect", new SocketException((int)SocketError.HostNotFound)), ConnectionProblem.Unreachable, "could not reach db.internal:5433: unknown host \"db.internal\"" },
        { new NpgsqlException("The operation has timed out", new TimeoutException()), ConnectionProblem.Timeout, "could not reach db.internal:5433: no answer within 7 s" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Each_failure_gets_a_short_message(Exception failure, ConnectionProblem problem, string message)
    {
        var translated = DatabaseConnectionException.From(failure, Connection);

        Assert.NotNull(translated);
        Assert.Equal(problem, translated.Problem);
        Assert.Equal(message, translated.Message);
        Assert.DoesNotContain(Secret, translated.Message, StringComparison.Ordinal);
        Assert.Same(failure, translated.InnerException);
    }

    [Fact]
    public void A_cancellation_or_an_unrelated_exception_is_not_a_connection_failure()
    {
        Assert.Null(DatabaseConnectionException.From(new OperationCanceledException(), Connection));
        Assert.Null(DatabaseConnectionException.From(new InvalidOperationException("bug"), Connection));
    }
}
