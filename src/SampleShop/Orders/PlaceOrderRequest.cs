namespace SampleShop.Orders;

public sealed record OrderItem(int? ProductId, int? Quantity);

/// <summary>The body of <c>POST /api/orders</c>.</summary>
public sealed record PlaceOrderRequest(int? CustomerId, IReadOnlyList<OrderItem>? Items)
{
    public const int MaxItems = 20;
    public const int MaxQuantity = 10;

    /// <summary>Shape errors keyed by the JSON path of the field (e.g. <c>items[1].quantity</c>); empty when valid.</summary>
    public IReadOnlyDictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (CustomerId is not > 0)
        {
            errors["customerId"] = ["A customer id (a positive number) is required."];
        }

        if (Items is null || Items.Count == 0)
        {
            errors["items"] = ["At least one item is required."];
            return errors;
        }

        if (Items.Count > MaxItems)
        {
            errors["items"] = [$"At most {MaxItems} items per order."];
        }

        for (var i = 0; i < Items.Count; i++)
        {
            if (Items[i] is not { } item)
            {
                errors[$"items[{i}]"] = ["An item must not be null."];
                continue;
            }

            if (item.ProductId is not > 0)
            {
                errors[$"items[{i}].productId"] = ["A product id (a positive number) is required."];
            }

            if (item.Quantity is not (>= 1 and <= MaxQuantity))
            {
                errors[$"items[{i}].quantity"] = [$"The quantity must be between 1 and {MaxQuantity}."];
            }
        }

        var repeated = Items.Where(item => item?.ProductId is > 0).GroupBy(item => item!.ProductId).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            errors["items"] = [$"Product {repeated.Key} appears more than once; use its quantity instead."];
        }

        return errors;
    }
}
