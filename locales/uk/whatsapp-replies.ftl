customer-whatsapp-reply = 💬 Відповісти у WhatsApp
whatsapp-ask-reply = Напишіть відповідь для <b>{ $name }</b> — її буде надіслано у WhatsApp. WhatsApp прийме її до { DATETIME($until, dateStyle: "short", timeStyle: "short") }, тобто протягом 24 годин після останнього повідомлення клієнта.
whatsapp-reply-queued = ✅ Відповідь у черзі: за мить її буде надіслано у WhatsApp.
whatsapp-window-closed = Клієнт востаннє писав понад 24 години тому, тож WhatsApp уже не приймає довільну відповідь, і нічого не надіслано. Зателефонуйте чи напишіть на пошту або відповідайте, коли клієнт напише знову.
whatsapp-replies-not-set-up = Відповіді у WhatsApp не налаштовано: адміністратор має задати WHATSAPP_PHONE_NUMBER_ID і WHATSAPP_ACCESS_TOKEN.
error-reply-empty = Відповідь не може бути порожньою.
error-reply-too-long = WhatsApp приймає не більше { $max } символів в одному повідомленні.
