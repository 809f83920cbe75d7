"""WooCommerce's order webhooks: signed deliveries become the customer's orders (and a lead),
once; the ping and other topics store nothing; forgeries and junk are refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from aiohttp import ClientResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import notifications
from crm.models import (
    Activity,
    ActivityKind,
    IntakeChannel,
    IntakeKind,
    Lead,
    LeadSource,
    Order,
    Staff,
)
from crm.schemas import LeadDraft
from crm.services.customer_card import Section, customer_card
from crm.services.intake import open_channel
from crm.services.leads import create_lead
from tests.web.conftest import Team, Web, outbox_kinds


def woocommerce_order(**changes: Any) -> dict[str, Any]:
    """An order as WooCommerce's REST API v3 documents it (trimmed of fields nobody reads)."""
    order: dict[str, Any] = {
        "id": 727,
        "parent_id": 0,
        "number": "727",
        "order_key": "wc_order_58d2d042d1d",
        "created_via": "checkout",
        "version": "8.5.2",
        "status": "processing",
        "currency": "UAH",
        "date_created": "2026-03-22T16:28:02",
        "date_created_gmt": "2026-03-22T14:28:02",
        "discount_total": "0.00",
        "shipping_total": "70.00",
        "total": "1270.00",
        "total_tax": "0.00",
        "prices_include_tax": False,
        "customer_id": 0,
        "customer_note": "",
        "billing": {
            "first_name": "Олена",
            "last_name": "Петренко",
            "company": "",
            "address_1": "вул. Хрещатик, 1",
            "address_2": "",
            "city": "Київ",
            "state": "",
            "postcode": "01001",
            "country": "UA",
            "email": "olena@example.com",
            "phone": "067 123 45 67",
        },
        "shipping": {"first_name": "Олена", "last_name": "Петренко", "country": "UA"},
        "payment_method": "cod",
        "payment_method_title": "Cash on delivery",
        "line_items": [
            {
                "id": 315,
                "name": "Чашка керамічна",
                "product_id": 93,
                "variation_id": 0,
                "quantity": 2,
                "subtotal": "600.00",
                "total": "600.00",
                "sku": "CUP-1",
                "price": 300,
            },
            {
                "id": 316,
                "name": "Чайник",
                "product_id": 94,
                "quantity": 1,
                "subtotal": "600.00",
                "total": "600.00",
                "price": 600,
            },
        ],
        "meta_data": [],
    }
    order.update(changes)
    return order


def signed(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


async def new_shop(session: AsyncSession, admin: Staff, responsible: Staff | None) -> IntakeChannel:
    shop = await open_channel(
        session,
        actor=admin,
        kind=IntakeKind.WOOCOMMERCE,
        name="Інтернет-магазин",
        responsible_id=responsible.id if responsible else None,
    )
    await session.commit()
    return shop


async def deliver(
    web_app: Web,
    shop: IntakeChannel,
    order: dict[str, Any],
    *,
    topic: str = "order.created",
    delivery_id: str = "delivery-1",
    secret: str | None = None,
) -> ClientResponse:
    body = json.dumps(order).encode()
    return await web_app.client.post(
        f"/intake/woocommerce/{shop.key}",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": "https://shop.example.com/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": "order",
            "X-WC-Webhook-Event": topic.split(".")[1],
            "X-WC-Webhook-ID": "12",
            "X-WC-Webhook-Delivery-ID": delivery_id,
            "X-WC-Webhook-Signature": signed(secret or shop.secret, body),
        },
    )


async def rows(web_app: Web, model: type[Order] | type[Lead]) -> list[Any]:
    async with web_app.sessions() as session:
        return list(await session.scalars(select(model).order_by(model.id)))


async def test_a_new_order_is_the_customers_order_in_their_card_and_opens_a_lead(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    shop = await new_shop(session, team.admin, team.rep)

    response = await deliver(web_app, shop, woocommerce_order())

    assert response.status == 200
    (order,) = await rows(web_app, Order)
    (lead,) = await rows(web_app, Lead)
    assert (order.external_id, order.amount_minor, order.currency, order.status) == (
        "727",
        127000,
        "UAH",
        "processing",
    )
    assert (lead.title, lead.phone, lead.email, lead.value_minor) == (
        "Олена Петренко",
        "+380671234567",
        "olena@example.com",
        127000,
    )
    assert (lead.source, lead.source_detail, lead.responsible_id) == (
        LeadSource.WOOCOMMERCE,
        "Інтернет-магазин",
        team.rep.id,
    )
    assert order.lead_id == lead.id and order.customer_id == lead.customer_id
    async with web_app.sessions() as reading:
        card = await customer_card(reading, actor=team.rep, customer_id=order.customer_id)
        message = await reading.scalar(
            select(Activity.text).where(Activity.kind == ActivityKind.MESSAGE)
        )
    assert card.latest_order is not None and card.latest_order.external_id == "727"
    assert card.counts[Section.ORDERS] == 1
    assert card.customer.emails == ["olena@example.com"]
    assert message == "#727: 2 × Чашка керамічна, 1 × Чайник"
    assert (team.rep.id, notifications.LEAD_ASSIGNED) in await outbox_kinds(web_app.sessions)


async def test_an_update_changes_the_order_and_notes_its_status_without_a_new_lead(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    shop = await new_shop(session, team.admin, team.rep)
    await deliver(web_app, shop, woocommerce_order())

    response = await deliver(
        web_app,
        shop,
        woocommerce_order(status="completed", total="1340.00"),
        topic="order.updated",
        delivery_id="delivery-2",
    )

    assert response.status == 200
    (order,) = await rows(web_app, Order)
    (lead,) = await rows(web_app, Lead)
    assert (order.status, order.amount_minor) == ("completed", 134000)
    async with web_app.sessions() as reading:
        noted = await reading.scalar(
            select(Activity.text).where(
                Activity.lead_id == lead.id, Activity.kind == ActivityKind.SYSTEM
            )
        )
    assert noted == "#727: completed"


async def test_an_update_that_overtook_its_creation_makes_the_order(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    shop = await new_shop(session, team.admin, team.rep)

    response = await deliver(web_app, shop, woocommerce_order(), topic="order.updated")

    assert response.status == 200
    assert [order.external_id for order in await rows(web_app, Order)] == ["727"]
    assert len(await rows(web_app, Lead)) == 1


async def test_a_replayed_delivery_changes_nothing(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    shop = await new_shop(session, team.admin, team.rep)
    await deliver(web_app, shop, woocommerce_order())
    before = await web_app.stored_rows()
    told = await outbox_kinds(web_app.sessions)

    again = await deliver(web_app, shop, woocommerce_order(status="cancelled"))

    assert again.status == 200
    assert await web_app.stored_rows() == before
    assert [order.status for order in await rows(web_app, Order)] == ["processing"]
    assert await outbox_kinds(web_app.sessions) == told


async def test_an_order_from_a_known_person_joins_their_open_lead(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    shop = await new_shop(session, team.admin, team.rep)
    earlier = await create_lead(
        session,
        actor=team.other_rep,
        draft=LeadDraft(contact_name="Olena", email="OLENA@example.com"),
    )
    await session.commit()

    await deliver(web_app, shop, woocommerce_order())

    (lead,) = await rows(web_app, Lead)
    (order,) = await rows(web_app, Order)
    assert lead.id == earlier.id and order.lead_id == earlier.id
    assert (team.other_rep.id, notifications.LEAD_RETURNED) in await outbox_kinds(web_app.sessions)


async def test_a_phone_the_shop_did_not_check_is_left_out_not_the_order(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    shop = await new_shop(session, team.admin, team.rep)
    order = woocommerce_order()
    order["billing"] = {**order["billing"], "phone": "(555) 555-5555"}

    response = await deliver(web_app, shop, order)

    assert response.status == 200
    (lead,) = await rows(web_app, Lead)
    assert (lead.phone, lead.email) == (None, "olena@example.com")


async def test_the_ping_of_a_saved_webhook_is_answered_and_stores_nothing(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    shop = await new_shop(session, team.admin, team.rep)

    response = await web_app.client.post(
        f"/intake/woocommerce/{shop.key}", data={"webhook_id": "12"}
    )

    assert response.status == 200
    assert set((await web_app.stored_rows()).values()) == {0}


async def test_other_topics_are_answered_and_store_nothing(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    shop = await new_shop(session, team.admin, team.rep)

    response = await deliver(web_app, shop, {"id": 93, "name": "Чашка"}, topic="product.created")

    assert response.status == 200
    assert set((await web_app.stored_rows()).values()) == {0}


@pytest.mark.parametrize("secret", ["wrong secret", ""])
async def test_a_delivery_not_signed_with_the_shops_secret_is_refused(
    web_app: Web, session: AsyncSession, team: Team, secret: str
) -> None:
    shop = await new_shop(session, team.admin, team.rep)
    other = await new_shop(session, team.admin, team.rep)

    forged = await deliver(web_app, shop, woocommerce_order(), secret=secret or other.secret)
    unsigned = await web_app.client.post(
        f"/intake/woocommerce/{shop.key}",
        json=woocommerce_order(),
        headers={"X-WC-Webhook-Topic": "order.created"},
    )

    assert (forged.status, unsigned.status) == (401, 401)
    assert await forged.json() == {"error": "unauthorized"}
    assert set((await web_app.stored_rows()).values()) == {0}


async def test_an_unknown_shop_key_or_a_forms_key_is_not_found(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    form = await open_channel(
        session, actor=team.admin, kind=IntakeKind.WEB_FORM, name="Form", responsible_id=None
    )
    await session.commit()

    for shop_key in ("nope", form.key):
        response = await web_app.client.post(
            f"/intake/woocommerce/{shop_key}", data={"webhook_id": "1"}
        )
        assert response.status == 404


@pytest.mark.parametrize(
    "order, error",
    [
        ({"status": "processing"}, {"error": "order-invalid", "field": "id"}),
        (woocommerce_order(total=1270), {"error": "order-invalid", "field": "total"}),
        (woocommerce_order(currency="XYZ"), {"error": "currency-unsupported", "field": "currency"}),
        (woocommerce_order(total="-5.00"), {"error": "amount-negative", "field": "total"}),
        (woocommerce_order(billing=[1, 2]), {"error": "order-invalid", "field": "billing"}),
    ],
    ids=["no-id", "number-total", "currency", "negative", "billing-list"],
)
async def test_a_malformed_order_is_told_what_is_wrong_and_stores_nothing(
    web_app: Web, session: AsyncSession, team: Team, order: dict[str, Any], error: dict[str, str]
) -> None:
    shop = await new_shop(session, team.admin, team.rep)

    response = await deliver(web_app, shop, order)

    assert response.status == 400
    assert await response.json() == error
    assert set((await web_app.stored_rows()).values()) == {0}


async def test_a_shop_that_opens_no_leads_only_records_the_order(
    web_app: Web, session: AsyncSession, team: Team
) -> None:
    shop = await new_shop(session, team.admin, team.rep)
    shop.opens_leads = False
    await session.commit()

    response = await deliver(web_app, shop, woocommerce_order())

    assert response.status == 200
    assert [order.lead_id for order in await rows(web_app, Order)] == [None]
    assert await rows(web_app, Lead) == []
