using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Npgsql;
using OpsConsole.Web.Hosting;

namespace OpsConsole.Web.Tests.Hosting;

public sealed class ConsoleExceptionHandlerTests
{
    [Fact]
    public void A_database_that_cannot_be_reached_is_a_503_however_deeply_the_connection_error_is_wrapped()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));

        Assert.Equal(503, ConsoleExceptionHandler.StatusFor(refused));
        Assert.Equal(503, ConsoleExceptionHandler.StatusFor(new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", refused)));
    }

    [Fact]
    public void A_bug_stays_a_500_and_a_too_large_body_keeps_its_413()
    {
        Assert.Equal(500, ConsoleExceptionHandler.StatusFor(new InvalidOperationException("a bug")));
        Assert.Equal(500, ConsoleExceptionHandler.StatusFor(new NpgsqlException("syntax error"))); // not transient
        Assert.Equal(413, ConsoleExceptionHandler.StatusFor(new IOException("read failed", new BadHttpRequestException("too large", 413))));
    }
}
