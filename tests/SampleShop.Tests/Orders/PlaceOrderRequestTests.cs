using SampleShop.Orders;

namespace SampleShop.Tests.Orders;

public sealed class PlaceOrderRequestTests
{
    [Fact]
    public void A_complete_request_has_no_errors() =>
        Assert.Empty(new PlaceOrderRequest(3, [new OrderItem(1, 2), new OrderItem(7, 10)]).Validate());

    [Fact]
    public void Each_bad_field_is_named_by_its_json_path()
    {
        var errors = new PlaceOrderRequest(0, [new OrderItem(1, 1), new OrderItem(null, 11)]).Validate();

        Assert.Equal(["customerId", "items[1].productId", "items[1].quantity"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("between 1 and 10", errors["items[1].quantity"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_or_empty_items_and_a_repeated_product_are_refused()
    {
        Assert.Contains("At least one item", new PlaceOrderRequest(1, null).Validate()["items"][0], StringComparison.Ordinal);
        Assert.Contains("At least one item", new PlaceOrderRequest(1, []).Validate()["items"][0], StringComparison.Ordinal);
        Assert.Contains("appears more than once", new PlaceOrderRequest(1, [new OrderItem(4, 1), new OrderItem(4, 2)]).Validate()["items"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_the_maximum_number_of_items_is_refused()
    {
        var items = Enumerable.Range(1, PlaceOrderRequest.MaxItems + 1).Select(i => new OrderItem(i, 1)).ToList();

        Assert.Contains($"At most {PlaceOrderRequest.MaxItems}", new PlaceOrderRequest(1, items).Validate()["items"][0], StringComparison.Ordinal);
    }
}
