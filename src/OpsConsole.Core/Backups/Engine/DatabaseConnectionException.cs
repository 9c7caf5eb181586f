using System.Net.Sockets;
using Npgsql;

namespace OpsConsole.Core.Backups.Engine;

/// <summary>What kind of connection problem it was (for the page's colour and the metrics label).</summary>
public enum ConnectionProblem
{
    /// <summary>Nothing answered: wrong host or port, server down, firewall, unknown host name.</summary>
    Unreachable,

    /// <summary>The server did not answer within the connection timeout.</summary>
    Timeout,

    /// <summary>Wrong password, or the server's pg_hba.conf rejects this user.</summary>
    AuthenticationFailed,

    /// <summary>The server answered, but has no database of that name.</summary>
    DatabaseMissing,

    /// <summary>The server answered and refused for another reason (starting up, too many connections).</summary>
    Refused,
}

/// <summary>
/// A managed database could not be connected to. The message is short and names host:port, user and database, so the
/// operator knows which setting to fix; it never contains the password.
/// </summary>
public sealed class DatabaseConnectionException : Exception
{
    public DatabaseConnectionException()
        : this(ConnectionProblem.Unreachable, "The database could not be reached.")
    {
    }

    public DatabaseConnectionException(string message)
        : this(ConnectionProblem.Unreachable, message)
    {
    }

    public DatabaseConnectionException(string message, Exception innerException)
        : this(ConnectionProblem.Unreachable, message, innerException)
    {
    }

    public DatabaseConnectionException(ConnectionProblem problem, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Problem = problem;
    }

    public ConnectionProblem Problem { get; }

    /// <summary>
    /// Translates what opening a connection threw (Npgsql, socket, timeout) into a short message; null when
    /// <paramref name="exception"/> is not a connection failure (e.g. a cancellation).
    /// </summary>
    public static DatabaseConnectionException? From(Exception exception, NpgsqlConnectionStringBuilder connection)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(connection);
        if (exception is OperationCanceledException)
        {
            return null;
        }

        var where = Where(connection);
        var user = connection.Username ?? "(default user)";
        var database = connection.Database ?? user;
        if (Find<PostgresException>(exception) is { } server)
        {
            return server.SqlState switch
            {
                PostgresErrorCodes.InvalidPassword => new(ConnectionProblem.AuthenticationFailed,
                    $"password authentication failed for user \"{user}\" at {where}", exception),
                PostgresErrorCodes.InvalidAuthorizationSpecification => new(ConnectionProblem.AuthenticationFailed,
                    $"{where} refused user \"{user}\" for database \"{database}\": {server.MessageText}", exception),
                PostgresErrorCodes.InvalidCatalogName => new(ConnectionProblem.DatabaseMissing,
                    $"database \"{database}\" does not exist at {where}", exception),
                _ => new(ConnectionProblem.Refused,
                    $"{where} refused the connection to database \"{database}\" as \"{user}\": {server.MessageText}", exception),
            };
        }

        if (Find<SocketException>(exception) is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => new(ConnectionProblem.Unreachable,
                    $"could not reach {where}: connection refused (is PostgreSQL running and listening there?)", exception),
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => new(ConnectionProblem.Unreachable,
                    $"could not reach {where}: unknown host \"{connection.Host}\"", exception),
                SocketError.TimedOut => new(ConnectionProblem.Timeout,
                    $"could not reach {where}: timed out", exception),
                _ => new(ConnectionProblem.Unreachable,
                    $"could not reach {where}: {socket.SocketErrorCode}", exception),
            };
        }

        if (Find<TimeoutException>(exception) is not null)
        {
            return new(ConnectionProblem.Timeout, $"could not reach {where}: no answer within {connection.Timeout} s", exception);
        }

        // Npgsql's own messages name the host, never the password.
        return exception is NpgsqlException
            ? new(ConnectionProblem.Unreachable, $"could not connect to {where} as \"{user}\": {exception.Message}", exception)
            : null;
    }

    /// <summary>"host:port" (several hosts joined by commas, as configured).</summary>
    internal static string Where(NpgsqlConnectionStringBuilder connection) =>
        $"{connection.Host ?? "localhost"}:{connection.Port}";

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
